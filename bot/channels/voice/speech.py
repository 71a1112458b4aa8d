"""The bot's messages as a caller hears them: written for the ear, in short parts, options last.

A turn's texts go through `for_the_ear` (phone numbers in groups, times said naturally, no
links or emoji) and are cut into parts of at most MAX_SPOKEN_WORDS words, each its own <Say>.
The options are read as "Press 1 for ..., or just say it", numbered as the gateway numbers
them, so a key pressed means what was read out (as a typed number does by SMS). What a link or
a venue list would have shown is kept as one SMS, for "text me this".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.channels.sms.render import fit_reply
from bot.messages import BotMessage, offered_options
from bot.voice.ear import MAX_SPOKEN_WORDS, for_the_ear, say_options, split_for_speech

# One text, as the outbound SMS sender sends (2 segments): the details, not the whole answer.
TEXT_SEGMENTS = 2
_LINK = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:gov\.uk|org\.uk|co\.uk|com|org|uk)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Spoken:
    notice: tuple[str, ...]  # said once, before the answer (the privacy notice): not repeated
    answer: tuple[str, ...]  # the bot's words, one <Say> each
    options: tuple[str, ...]  # "Press 1 for ..." parts
    textable: str | None = None  # the SMS "text me this" would send
    forgotten: bool = False  # "forget me" was carried out: the call ends, nothing is kept
    option_count: int = 0
    asks_number: bool = False  # a phone number is asked for: keyed in, or said

    @property
    def parts(self) -> tuple[str, ...]:
        return (*self.answer, *self.options)

    @property
    def asks(self) -> bool:
        """The caller is asked something (an option, or a question): a later call goes on here."""
        return bool(self.options) or bool(self.answer and self.answer[-1].rstrip().endswith("?"))


def parts_for_the_ear(text: str, limit: int = MAX_SPOKEN_WORDS) -> list[str]:
    return [part for part in split_for_speech(for_the_ear(text), limit) if part.strip()]


def textable(messages: Sequence[BotMessage]) -> str | None:
    """What "text me this" sends: venue details or the answer with its link, as one SMS."""
    texts = [message.text for message in messages if message.text]
    has_venues = any(message.venues for message in messages)
    if not texts or not (has_venues or any(_LINK.search(text) for text in texts)):
        return None
    return fit_reply(texts, [], TEXT_SEGMENTS)


def spoken(
    messages: Sequence[BotMessage],
    *,
    notice: dict[str, str] | None = None,
    replaced: dict[str, str] | None = None,
    forgotten_text: str | None = None,
) -> Spoken:
    """The turn as parts to say. `notice`: texts said differently by phone, once, before the
    answer and never repeated with it (the privacy notice); `replaced`: texts of the answer said
    differently by phone (the privacy details: "say", not "type")."""
    notice, replaced = notice or {}, replaced or {}
    texts = [message.text for message in messages if message.text]
    said_once = [part for text in texts if text in notice for part in parts_for_the_ear(notice[text])]
    answer = [
        part for text in texts if text not in notice for part in parts_for_the_ear(replaced.get(text, text))
    ]
    options = offered_options(list(messages))
    options_text = say_options([option["title"] for option in options]) if options else ""
    return Spoken(
        notice=tuple(said_once),
        answer=tuple(answer),
        options=tuple(p for p in split_for_speech(options_text, MAX_SPOKEN_WORDS) if p.strip()),
        textable=textable(messages),
        forgotten=forgotten_text is not None and any(m.text == forgotten_text for m in messages),
        option_count=len(options),
        asks_number=any(message.asks_number for message in messages),
    )
