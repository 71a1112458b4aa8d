"""What a missed message can be taught as: a knowledge-base topic, or one of the engine's intents.

Topics come from content/kb (staff add topics there). Intents are listed here rather than read
from domain/ at request time, because the app's image has no domain/ (only the engine's has):
tests/unit/teach/test_targets.py checks every domain intent is either here or in `NOT_TAUGHT`
with the reason, so a new intent cannot be forgotten, nor an internal one become a target.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.models import TaughtKind
from bot.kb.topics import Topic

# Intents a resident's own words can mean, with the label staff see in the admin.
TEACHABLE_INTENTS: dict[str, str] = {
    "find_help": "Find help nearby (a place, a session, a person to help)",
    "start_confidence_check": "Start the confidence check",
    "human_handoff": "Talk to a person",
    "help": "What can the bot do?",
    "greet": "Hello",
    "goodbye": "Goodbye",
    "thank": "Thank you",
    "affirm": "Yes",
    "deny": "No",
    "bot_challenge": "Am I talking to a robot?",
    "privacy": "Privacy: what is kept about me",
    "forget_me": "Forget me (delete what is kept about me)",
    "opt_out": "Stop sending me messages",
    "out_of_scope": "Something the bot does not do",
    "remind_me": "Remind me about a session",
    "book_place": "Book a place at a session",
    "couldnt_go": "I could not go to the session",
    "request_callback": "Ask for a call back from a person",
    "callback_status": "Has anyone called me back?",
    "callback_cancel": "Cancel my call back",
    "scam_in_progress": "Being scammed right now (the safe steps first)",
    "distress": "In distress (the safe steps first)",
    "new_to_computers": "Never used a computer: where to start",
}

# Intents of the domain that are not targets, and why.
NOT_TAUGHT: dict[str, str] = {
    "faq": "answered through the knowledge-base topics, which are targets of their own",
    "ask_topic": "sent by a button, never typed",
    "more_detail": "sent by a button, never typed",
    "ask_question": "sent by a button, never typed",
    "forget_confirm": "the button that confirms 'forget me': typing must never delete anything",
    "more_results": "the More button and the SMS keyword",
    "inform": "a postcode or place, which an example must mark up as an entity",
    "callback_number": "sent by the gateway after it checked a typed phone number, never typed",
}
# Intents the gateway triggers itself (a follow-up, a reminder): never a resident's words.
EXTERNAL_PREFIX = "EXTERNAL_"


class UnknownTarget(ValueError):
    """A target that is not a topic or a teachable intent (a stale form, a renamed topic)."""


@dataclass(frozen=True)
class Target:
    kind: TaughtKind
    name: str  # the topic's or intent's name; "" for noise
    label: str

    @property
    def key(self) -> str:
        """How the admin's form names it: "topic:scams", "intent:find_help", "noise"."""
        return self.kind.value if self.kind is TaughtKind.NOISE else f"{self.kind.value}:{self.name}"

    def intent(self, topics: dict[str, Topic]) -> str:
        """The training data's intent: a topic's retrieval intent ("faq/scams") or the intent."""
        if self.kind is TaughtKind.TOPIC:
            return topics[self.name].intent
        return self.name


NOISE = Target(TaughtKind.NOISE, "", "Noise: nothing to teach")


def targets(topics: dict[str, Topic]) -> list[Target]:
    """Every target, topics first (by title), then intents, then noise."""
    by_title = sorted(topics.values(), key=lambda topic: topic.title)
    return [
        *(Target(TaughtKind.TOPIC, topic.topic, topic.title) for topic in by_title),
        *(Target(TaughtKind.INTENT, name, label) for name, label in TEACHABLE_INTENTS.items()),
        NOISE,
    ]


def find_target(topics: dict[str, Topic], kind: TaughtKind | str, name: str = "") -> Target:
    """The target of `kind` and `name`; UnknownTarget if there is none."""
    try:
        kind = TaughtKind(kind)
    except ValueError as error:
        raise UnknownTarget(f"unknown kind {kind!r}") from error
    if kind is TaughtKind.NOISE:
        return NOISE
    for target in targets(topics):
        if target.kind is kind and target.name == name:
            return target
    raise UnknownTarget(f"there is no {kind.value} {name!r} to teach")


def parse_key(topics: dict[str, Topic], key: str) -> Target:
    """The target a form's value names ("topic:scams", "intent:find_help", "noise")."""
    kind, _, name = key.partition(":")
    return find_target(topics, kind, name)
