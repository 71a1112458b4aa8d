"""Answers from the knowledge base, and the other fixed replies that name local contacts."""

from __future__ import annotations

from bot.kb.topics import Topic
from bot.local import LocalInfo
from bot.replies import FIND_HELP, MENU, TALK_TO_PERSON, Button, Reply, intent_payload

__all__ = [
    "Reply",
    "full_answer",
    "human_handoff",
    "question_menu",
    "short_answer",
    "unknown_topic",
]


# "More" always means the topic answered last (see actions/topics.py), so the payload needs no
# entity: Rasa would try to fill "{...}" in a domain response as a slot.
MORE = Button("More", intent_payload("more_detail"))


def short_answer(topic: Topic) -> Reply:
    """The SMS-sized answer, with the way forward (same as the generated utter_faq response)."""
    return Reply(topic.short_answer, (MORE, FIND_HELP, MENU))


def full_answer(topic: Topic) -> Reply:
    """The fuller answer with its links: asked for with the "More" button."""
    lines = [topic.full_answer]
    if topic.links:
        lines.append("")
        lines.extend(f"{link.title}: {link.url}" for link in topic.links)
    return Reply("\n".join(lines), (FIND_HELP, MENU))


def human_handoff(local: LocalInfo) -> Reply:
    text = (
        f"To talk to a person, call {local.helpline.name} on {local.helpline.phone}. "
        f"Or meet a Digital Champion. {local.champions.how_to_reach} "
        "I can find the nearest one for you."
    )
    return Reply(text, (FIND_HELP, MENU))


def question_menu(topics: dict[str, Topic], popular: tuple[str, ...]) -> Reply:
    """Type a question, or pick one of the topics people ask about most."""
    buttons = tuple(
        Button(topics[name].title, intent_payload("ask_topic", faq_topic=name)) for name in popular
    )
    return Reply("Type your question in your own words. Or pick a topic:", buttons)


def unknown_topic() -> Reply:
    return Reply(
        "Sorry, I don't have that topic. Type your question, or choose:", (FIND_HELP, TALK_TO_PERSON)
    )
