"""A digression: a message in the middle of a form that is not its answer but a question of its own.

Residents do not answer forms in order. At question 3 of the confidence check they ask "what's a
champion?", type their postcode, or ask "where can I go?"; while the bot waits for a place they ask
whether it is free. Such a message is answered on the spot, briefly and without buttons (the form's
own options must keep their numbers on SMS), and the form then asks its question again, once.

This module decides, from the engine's parse of one message, whether it is a digression and of
which kind, and words the answer. It knows nothing of Rasa or of any one form: the forms' glue
(`actions/digression.py`) asks it, so every form gets the same behaviour.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.replies import Reply

# Entities that say where the resident is (domain/find_help.yml maps them to the location slot).
LOCATION_ENTITIES = ("postcode", "geo", "place")
# How sure the engine must be before a message that is not an answer is taken for a question or
# a request to find help. Below it the form treats the message as an unclear answer.
MIN_CONFIDENCE = 0.6
# A knowledge-base question needs more: a muddled answer ("my grandson does the wifi") is often
# close to a topic, so it counts only when it reads as a question or the engine is very sure.
MIN_FAQ_CONFIDENCE = 0.7
SURE_FAQ_CONFIDENCE = 0.9
QUESTION_WORDS = frozenset(
    [
        "how",
        "what",
        "whats",
        "where",
        "when",
        "who",
        "which",
        "why",
        "can",
        "could",
        "is",
        "are",
        "do",
        "does",
        "should",
        "will",
        "would",
    ]
)


class Kind(enum.Enum):
    QUESTION = "question"  # a knowledge-base question: its short answer
    PLACE = "place"  # a postcode or area: the nearest help there
    FIND_HELP = "find_help"  # "where can I go?": the nearest help if the place is known
    BOT = "bot"  # "are you a real person?"
    THANKS = "thanks"  # "thank you": welcome, and on with the form
    HELLO = "hello"  # "hello?" (or "hi, it's me again"): hello, and on with the form


@dataclass(frozen=True)
class Digression:
    kind: Kind
    topic: str | None = None  # QUESTION: the knowledge-base topic
    location: str | None = None  # PLACE: what the resident said about where they are


def looks_like_question(text: str) -> bool:
    """ "how do I make the text bigger?" reads as a question; "my grandson does it" does not."""
    words = re.findall(r"[a-z]+", text.lower().replace("'", "").replace("’", ""))
    return text.strip().endswith("?") or bool(words and words[0] in QUESTION_WORDS)


def _topic(message: Mapping[str, Any]) -> str | None:
    for entity in message.get("entities") or []:
        if entity.get("entity") == "faq_topic" and entity.get("value"):
            return str(entity["value"])
    selected = ((message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    key = str(selected.get("intent_response_key") or "")
    return key.removeprefix("faq/") if key.startswith("faq/") else None


def _location(message: Mapping[str, Any]) -> str | None:
    entities = message.get("entities") or []
    for name in LOCATION_ENTITIES:  # a postcode beats an area named in the same message
        for entity in entities:
            if entity.get("entity") == name and entity.get("value"):
                return str(entity["value"])
    return None


def digression_in(message: Mapping[str, Any]) -> Digression | None:
    """What the message asks for instead of answering the form; None when it asks for nothing else.

    `message` is the engine's parse (rasa-sdk's `tracker.latest_message`). The form decides first
    whether the message is its answer: only a message that is not is given here.
    """
    intent = message.get("intent") or {}
    name = intent.get("name")
    confidence = float(intent.get("confidence") or 0.0)
    text = str(message.get("text") or "")
    location = _location(message)
    if name == "bot_challenge" and confidence >= MIN_CONFIDENCE:
        return Digression(Kind.BOT)
    if name == "thank" and confidence >= MIN_CONFIDENCE and location is None:
        return Digression(Kind.THANKS)
    if name == "greet" and confidence >= MIN_CONFIDENCE and location is None:
        return Digression(Kind.HELLO)
    if name == "ask_topic" and _topic(message):
        return Digression(Kind.QUESTION, topic=_topic(message))
    if name == "faq" and location is None and _topic(message):
        if confidence >= SURE_FAQ_CONFIDENCE or (
            confidence >= MIN_FAQ_CONFIDENCE and looks_like_question(text)
        ):
            return Digression(Kind.QUESTION, topic=_topic(message))
        return None
    if location is not None and name in {"inform", "find_help", "faq", "nlu_fallback", None}:
        return Digression(Kind.PLACE, location=location)
    if name == "find_help" and confidence >= MIN_CONFIDENCE:
        return Digression(Kind.FIND_HELP)
    return None


# --- what the bot says ----------------------------------------------------------------------------

BOT_ANSWER = "I'm a chatbot, a computer program, not a person."
SMALL_TALK = {Kind.THANKS: "You're welcome.", Kind.HELLO: "Hello!"}
NO_ANSWER = "Sorry, I can't answer that one just now. Ask me again when we've finished."
WHERE_ANSWER = "I can show you free help nearby: send me your postcode or the name of your area at any time."


def answer(digression: Digression, *, short_answer: str | None = None, nearby: str | None = None) -> str:
    """The answer to a digression, without the form's question (the form asks it after).

    `short_answer`: the topic's short answer (QUESTION); `nearby`: the nearest help, worded for
    the channel (PLACE, or FIND_HELP when the place is known).
    """
    if digression.kind is Kind.BOT:
        return BOT_ANSWER
    if digression.kind in SMALL_TALK:
        return SMALL_TALK[digression.kind]
    if digression.kind is Kind.QUESTION:
        return short_answer or NO_ANSWER
    return nearby or WHERE_ANSWER


def aside(text: str, resume: str) -> Reply:
    """The answer, then the line that leads back into the form. No buttons: the form's own
    options follow, and on SMS they must keep their numbers."""
    return Reply(f"{text}\n{resume}" if resume else text)
