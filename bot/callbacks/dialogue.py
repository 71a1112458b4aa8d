"""The call-back form, one step at a time: what each answer means and what to ask next.

The Rasa form (`callback_form`, actions/callback.py) asks for five slots in order, and every
step can be skipped: what it is about, when suits, a first name, consent to keep the number,
and the number. Consent comes before the number, so nothing is kept without it: the number
never reaches the engine (the gateway checks it and sends only whether it is good), and the
gateway stores it, encrypted, in the same turn the request is made. Pure functions: the action
passes the slots, the message and the channel, and gets the replies and the slot values back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.callbacks.wording import Wording
from bot.dialogue.digression import looks_like_question
from bot.replies import Button, Reply, intent_payload

TOPIC, TIME, NAME, CONSENT, NUMBER = (
    "callback_topic",
    "callback_time",
    "callback_name",
    "callback_consent",
    "callback_number",
)
STEPS = (TOPIC, TIME, NAME, CONSENT, NUMBER)
OTHER_NUMBER = "callback_other_number"  # by SMS or voice: "no, another number" was said
# Channels where the bot knows the resident's own number (the sender of a text, the caller):
# there the number step asks "this number?" first.
OWN_NUMBER_CHANNELS = frozenset({"sms", "voice"})
SKIPPED = "-"
YES, NO = "yes", "no"
SENDER = "sender"
STOP_WORDS = {
    "stop",
    "cancel",
    "quit",
    "exit",
    "stop it",
    "cancel it",
    "forget it",
    "never mind",
    "nevermind",
}
SKIP_WORDS = {"skip", "pass", "no", "no thanks", "rather not", "don't want to", "dont want to", "none", "n/a"}
NUMBER_INTENT = "callback_number"
NUMBER_CHECK = "number_check"
_NAME = re.compile(r"^[A-Za-z][A-Za-z'\-]{0,29}$")
_TIMES = (
    ("mornings", ("morning", "am", "early")),
    ("afternoons", ("afternoon", "pm", "lunch", "dinner time")),
    ("evenings", ("evening", "night", "after work", "teatime", "tea time")),
    ("any", ("any", "whenever", "don't mind", "dont mind", "anytime", "all day", "skip")),
)
YES_BUTTON = Button("Yes", intent_payload("affirm"))
NO_BUTTON = Button("No", intent_payload("deny"))


@dataclass
class Step:
    replies: list[Reply] = field(default_factory=list)
    slots: dict[str, object] = field(default_factory=dict)
    # The gateway checks the next message as a phone number (it never reaches the engine).
    expect_number: bool = False
    # The form ends here without a request (stopped, no consent, no number).
    end: bool = False


def _plain(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").strip(" .!?").split())


def is_answer(name: str, text: str) -> bool:
    """A message the form takes as the answer to step `name`, never as a digression: stop or
    skip; at the first step any few words that are not a question ("my email", a topic button),
    since what it is about can be anything; a time of day ("mornings" reads like "good
    morning" to the engine); a first name on its own."""
    plain = _plain(text)
    if plain in STOP_WORDS or plain in SKIP_WORDS:
        return True
    if looks_like_question(text):
        return False
    if name == TOPIC:
        return True
    if name == TIME:
        return _time(plain) is not None
    return name == NAME and bool(_NAME.match(text.strip()))


def next_missing(slots: dict[str, object]) -> str | None:
    for name in STEPS:
        if slots.get(name) in (None, ""):
            return name
    return None


def ask(name: str, words: Wording, channel: str, slots: dict[str, object]) -> Step:
    """The question for one step, with its buttons (buttons send plain words, like typing)."""
    skip = Button(str(words.texts.get("skip", "Skip")), "skip")
    if name == TOPIC:
        buttons = (*(Button(title, title) for title in words.topics()), skip)
        return Step([Reply(words("ask_topic"), buttons)])
    if name == TIME:
        buttons = tuple(Button(title, title) for title in words.times().values())
        return Step([Reply(words("ask_time"), buttons)])
    if name == NAME:
        return Step([Reply(words("ask_name"), (skip,))])
    if name == CONSENT:
        named = slots.get(NAME) not in (None, "", SKIPPED)
        text = words("ask_consent", and_name=" and first name" if named else "")
        return Step([Reply(text, (YES_BUTTON, NO_BUTTON))])
    if channel in OWN_NUMBER_CHANNELS and not slots.get(OTHER_NUMBER):
        return Step(
            [
                Reply(
                    words(f"ask_number_{channel}"),
                    (YES_BUTTON, Button("No, another number", intent_payload("deny"))),
                )
            ]
        )
    key = "ask_other_number" if slots.get(OTHER_NUMBER) else "ask_number"
    if key == "ask_other_number" and channel == "voice":
        key = "ask_other_number_voice"  # said, or keyed in on the keypad
    return Step([Reply(words(key), (skip,))], expect_number=True)


def _time(text: str) -> str | None:
    for key, words in _TIMES:
        if any(word in text for word in words):
            return key
    return None


def _stopped(words: Wording) -> Step:
    return Step([Reply(words("form_stopped"), (Button("Menu", intent_payload("help")),))], end=True)


def take(
    name: str,
    text: str,
    *,
    intent: str | None,
    entities: dict[str, str],
    channel: str,
    slots: dict[str, object],
    words: Wording,
) -> Step:
    """One answer to the step `name`: the slot values, and any reply (a re-ask or an ending)."""
    plain = _plain(text)
    if plain in STOP_WORDS or intent == "callback_cancel":
        return _stopped(words)
    if name == TOPIC:
        return Step(slots={TOPIC: SKIPPED if plain in SKIP_WORDS else " ".join(text.split())[:120]})
    if name == TIME:
        chosen = _time(plain)
        if chosen is None:
            return _again(name, words, channel, slots)
        return Step(slots={TIME: chosen})
    if name == NAME:
        if plain in SKIP_WORDS or intent == "deny":
            return Step(slots={NAME: SKIPPED})
        first = text.strip().split()[0] if text.strip() else ""
        if plain.startswith(("my name is ", "i'm ", "im ", "it's ", "its ", "call me ")):
            first = text.strip().split()[-1]
        if not _NAME.match(first):
            return Step([Reply(words("bad_name"), (Button(str(words.texts.get("skip", "Skip")), "skip"),))])
        return Step(slots={NAME: first[:1].upper() + first[1:]})
    if name == CONSENT:
        if intent == "affirm" or plain in {"yes", "ok", "okay", "yes please", "fine", "that's ok", "y"}:
            return Step(slots={CONSENT: YES})
        if intent == "deny" or plain in SKIP_WORDS:
            return Step(
                [Reply(words("no_consent"), (Button("Find help near me", intent_payload("find_help")),))],
                slots={CONSENT: NO},
                end=True,
            )
        return _again(name, words, channel, slots)
    return _number(text, plain, intent=intent, entities=entities, channel=channel, slots=slots, words=words)


def _again(name: str, words: Wording, channel: str, slots: dict[str, object]) -> Step:
    return ask(name, words, channel, slots)


def _number(
    text: str,
    plain: str,
    *,
    intent: str | None,
    entities: dict[str, str],
    channel: str,
    slots: dict[str, object],
    words: Wording,
) -> Step:
    if plain in {"skip", "pass", "none", "no number"}:
        return Step([Reply(words("no_number"), (Button("Menu", intent_payload("help")),))], end=True)
    if channel in OWN_NUMBER_CHANNELS and not slots.get(OTHER_NUMBER) and intent != NUMBER_INTENT:
        if intent == "affirm" or plain in {"yes", "y", "ok", "yes please", "this one", "this number"}:
            return Step(slots={NUMBER: SENDER})
        if intent == "deny" or plain in {"no", "n", "another", "another number", "different number"}:
            step = ask(NUMBER, words, channel, {**slots, OTHER_NUMBER: True})
            step.slots[OTHER_NUMBER] = True
            return step
        return ask(NUMBER, words, channel, slots)
    check = entities.get(NUMBER_CHECK) if intent == NUMBER_INTENT else None
    if check in ("mobile", "landline"):
        step = Step(slots={NUMBER: f"typed:{check}"})
        if channel == "sms" and check == "landline":
            step.replies.append(Reply(words("landline_on_sms")))
        return step
    problem = {"not_uk": "number_not_uk", "not_callable": "number_not_callable"}.get(
        check or "", "number_invalid"
    )
    if channel == "voice":
        problem += "_voice"  # said or keyed in, never typed
    skip = Button(str(words.texts.get("skip", "Skip")), "skip")
    return Step([Reply(words(problem), (skip,))], expect_number=True)
