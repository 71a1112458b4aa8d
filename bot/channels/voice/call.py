"""What a caller's keypress, words or silence mean, given where the call is: no I/O, no clock.

The channel keeps a `CallState` per conversation (the port's `remember`, JSON) and asks
`understand` what to do with each Gather result. Only telephone things are decided here: the
keys (* repeats, # is the menu, 1 confirms a postcode read back, 9 texts the answer, a number
that is no option is said to be none), silence
(ask once more, then the menu, then goodbye), and a few whole-utterance commands about the
call itself ("say that again", "slower", "text me"), matched only when they are all that was
said, as SMS keywords are. Everything else the caller says goes to the engine as text, so the
conversation is the same as on every other channel; a postcode heard in it is read back first.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from enum import Enum

from bot.voice.postcodes import hear_outcode, hear_postcode

TEXT_KEY = "9"
REPEAT_KEY = "*"
MENU_KEY = "#"
CONFIRM_KEY = "1"
AGAIN_KEY = "2"
# What the engine gets for the hash key: the word residents use by SMS too (nlu/core.yml).
MENU_MESSAGE = "menu"
# Silences in a row: the first is asked again, the second gets the menu, the third ends the call.
ASK_AGAIN, OFFER_MENU, GIVE_UP = 1, 2, 3


def _words(*phrases: str) -> frozenset[str]:
    return frozenset(phrases)


REPEAT_WORDS = _words(
    "repeat",
    "repeat that",
    "repeat it",
    "repeat please",
    "please repeat",
    "please repeat that",
    "can you repeat that",
    "could you repeat that",
    "say it again",
    "say that again",
    "please say that again",
    "can you say that again",
    "could you say that again",
    "again",
    "pardon",
    "sorry",
    "what",
    "what was that",
    "come again",
    "one more time",
)
SLOWER_WORDS = _words(
    "slower",
    "slower please",
    "slow down",
    "slow down please",
    "please slow down",
    "speak slower",
    "speak slowly",
    "speak more slowly",
    "more slowly",
    "too fast",
    "youre too fast",
    "youre going too fast",
    "can you speak slower",
    "can you slow down",
)
FASTER_WORDS = _words("faster", "speed up", "normal speed", "speak faster", "too slow")
TEXT_WORDS = _words(
    "text me",
    "text me this",
    "text me that",
    "text me please",
    "text it",
    "text it to me",
    "text please",
    "yes text me",
    "yes text me please",
    "send me a text",
    "send it by text",
    "send me that",
    "send it to my phone",
    "can you text me",
    "can you text me that",
    "can you text it to me",
)
YES_WORDS = _words(
    "yes",
    "yeah",
    "yep",
    "yes please",
    "correct",
    "thats right",
    "yes thats right",
    "thats correct",
    "right",
    "thats it",
    "yes it is",
    "it is",
    "spot on",
)
NO_WORDS = _words(
    "no", "nope", "wrong", "thats wrong", "no its not", "its not", "not right", "no thats wrong"
)
NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
# A phone number said digit by digit: "oh" or "zero", and "double seven".
_ZEROES = {"oh": "0", "o": "0", "zero": "0", "nought": "0"}
_REPEATS = {"double": 2, "triple": 3}
MIN_NUMBER_DIGITS = 6  # as the gateway's `looks_like_number`: shorter is an option's key
NUMBER_END_KEY = "#"  # ends a number keyed in (twiml.gather), not the menu then
_NUMBER_PREFIX = re.compile(r"^(?:number|option|press|press number) ")
# A postcode written in the transcript ("near LS9 7BG"): kept in place when the caller confirms.
_WRITTEN_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.IGNORECASE)
_WRITTEN_OUTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\b", re.IGNORECASE)


def normalise(speech: str) -> str:
    """Lower case, no punctuation or apostrophes, single spaces: how commands are compared."""
    text = speech.lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split())


def spoken_digit(speech: str) -> str | None:
    """ "Two", "option 2", "press two": the key the caller means, when that is all they said."""
    words = _NUMBER_PREFIX.sub("", normalise(speech))
    if len(words) == 1 and words.isdigit():
        return words
    return NUMBER_WORDS.get(words)


@dataclass(frozen=True)
class CallState:
    """One caller's place in the conversation, kept between webhooks (and, to resume, calls)."""

    call: str  # the CallSid this state belongs to
    started: float  # when that call began (seconds since the epoch)
    said: tuple[str, ...] = ()  # what was said last, for "repeat" (and a later call to resume)
    options: tuple[str, ...] = ()  # the last answer's options, read again after a channel's aside
    menu: tuple[str, ...] = ()  # the greeting's options: an answer offering just these is no place to resume
    keys: int = 0  # how many options the last answer offered: other number keys mean nothing
    asks: bool = False  # the last answer asked something: a later call goes on from there
    silences: int = 0
    slow: bool = False
    postcode: str | None = None  # read back, waiting for the caller's 1
    confirmed_message: str | None = None  # what the engine gets once the postcode is confirmed
    textable: str | None = None  # what "text me this" sends (the bot's words, never the caller's)
    ended: bool = False  # the bot ended the call: a later call starts afresh
    number: bool = False  # a phone number was asked for (a call back): keys are its digits

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> CallState | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            data["said"] = tuple(data.get("said") or ())
            data["options"] = tuple(data.get("options") or ())
            data["menu"] = tuple(data.get("menu") or ())
            return cls(**data)
        except (TypeError, ValueError):
            return None

    def for_call(self, call: str, now: float) -> CallState:
        """The state at the start of another call: the conversation's place, nothing of the last call's."""
        return replace(
            self, call=call, started=now, silences=0, postcode=None, confirmed_message=None, ended=False
        )

    def resumable(self) -> bool:
        """The caller was asked something (a question, the check) when the call ended without a goodbye."""
        at_menu = bool(self.options) and self.options == self.menu
        return bool(self.said) and self.asks and not self.ended and not at_menu


class Do(Enum):
    ENGINE = "engine"  # send `message` to the engine
    REPEAT = "repeat"
    SLOWER = "slower"
    FASTER = "faster"
    ASK_AGAIN = "ask_again"  # silence once
    OFFER_MENU = "offer_menu"  # silence twice
    GIVE_UP = "give_up"  # silence three times: the helpline, and goodbye
    CHECK_POSTCODE = "check_postcode"  # read `postcode` back
    POSTCODE_AGAIN = "postcode_again"
    TEXT_ME = "text_me"
    NO_SUCH_KEY = "no_such_key"  # a number key that is no option now: said so, and the options again


@dataclass(frozen=True)
class Step:
    do: Do
    message: str | None = None
    postcode: str | None = None


@dataclass(frozen=True)
class Heard:
    """What one Gather brought back: the keys pressed and Twilio's transcript of the words."""

    digits: str = ""
    speech: str = ""
    confidence: float | None = None

    def nothing(self, min_confidence: float) -> bool:
        if self.digits.strip():
            return False
        if not self.speech.strip():
            return True
        return self.confidence is not None and 0 < self.confidence < min_confidence


def after_silence(state: CallState) -> Step:
    count = state.silences + 1
    if count >= GIVE_UP:
        return Step(Do.GIVE_UP)
    return Step(Do.OFFER_MENU if count >= OFFER_MENU else Do.ASK_AGAIN)


def message_for(speech: str, postcode: str) -> str:
    """What the engine gets for words with a postcode (or outward code) in them, once confirmed:
    the words with the postcode as heard when the transcript wrote it ("help near LS9 7BG"), else
    the postcode alone (spelt out, "L S nine...", the words around it cannot be told from it)."""
    for pattern in (_WRITTEN_POSTCODE, _WRITTEN_OUTCODE):
        for written in pattern.finditer(speech):
            if written.group(0).replace(" ", "").upper() == postcode.replace(" ", ""):
                return f"{speech[: written.start()]}{postcode}{speech[written.end() :]}".strip()
    return postcode


def _key(key: str, state: CallState) -> Step:
    if key == REPEAT_KEY:
        return Step(Do.REPEAT)
    if key == MENU_KEY:
        return Step(Do.ENGINE, MENU_MESSAGE)
    if state.postcode:
        if key == CONFIRM_KEY:
            return Step(Do.ENGINE, state.confirmed_message or state.postcode)
        if key == AGAIN_KEY:
            return Step(Do.POSTCODE_AGAIN)
    if key == TEXT_KEY and (state.textable or state.keys < int(TEXT_KEY)):
        return Step(Do.TEXT_ME)
    if key.isdigit() and not 1 <= int(key) <= state.keys:
        return Step(Do.NO_SUCH_KEY)  # never a stray digit to the engine, which would guess at it
    return Step(Do.ENGINE, key)  # an option's number, as a typed number is by SMS


def spoken_number(speech: str) -> str | None:
    """ "Oh seven seven double oh nine..." or "07700 900 123" as digits, when that is all that was
    said (a phone number asked for); None for anything else."""
    digits: list[str] = []
    repeat = 1
    for word in normalise(speech).split():
        if word in _REPEATS:
            repeat = _REPEATS[word]
            continue
        digit = word if word.isdigit() else NUMBER_WORDS.get(word, _ZEROES.get(word))
        if digit is None:
            return None
        digits.append(digit * repeat)
        repeat = 1
    number = "".join(digits)
    return number if len(number) >= MIN_NUMBER_DIGITS else None


def understand(heard: Heard, state: CallState, *, min_confidence: float = 0.0) -> Step:
    """What to do with one Gather result."""
    if heard.nothing(min_confidence):
        return after_silence(state)
    keyed = heard.digits.strip().rstrip(NUMBER_END_KEY)
    if state.number and len(keyed) >= MIN_NUMBER_DIGITS:
        return Step(Do.ENGINE, keyed)  # a number keyed in: the gateway checks it, the engine never sees it
    said_number = spoken_number(heard.speech) if state.number and not keyed else None
    if said_number is not None:
        return Step(Do.ENGINE, said_number)
    if heard.digits.strip():
        return _key(heard.digits.strip()[0], state)
    speech = " ".join(heard.speech.split())
    words = normalise(speech)
    if words in REPEAT_WORDS:
        return Step(Do.REPEAT)
    if words in SLOWER_WORDS:
        return Step(Do.SLOWER)
    if words in FASTER_WORDS:
        return Step(Do.FASTER)
    if words in TEXT_WORDS:
        return Step(Do.TEXT_ME)
    if state.postcode and words in YES_WORDS:
        return Step(Do.ENGINE, state.confirmed_message or state.postcode)
    if state.postcode and words in NO_WORDS:
        return Step(Do.POSTCODE_AGAIN)
    digit = spoken_digit(speech)
    if digit is not None:
        return _key(digit, state)
    # A whole postcode, else an outward code said on its own ("L S nine"), as the text path takes "LS9".
    postcode = hear_postcode(speech) or hear_outcode(speech)
    if postcode:
        return Step(Do.CHECK_POSTCODE, message_for(speech, postcode), postcode)
    return Step(Do.ENGINE, speech)
