"""Knowledge-base answers picked by button (the engine answers typed questions itself)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rasa_sdk import Tracker

from actions.common import ReplyAction
from bot.kb import answers
from bot.kb.topics import Topic, cached_topics
from bot.local import cached_local
from bot.replies import Reply
from bot.settings import get_settings


def last_topic(events: Iterable[dict[str, Any]]) -> str | None:
    """The topic answered last: from a typed question (response selector) or a topic button."""
    for event in reversed(list(events)):
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        for entity in parse.get("entities") or []:
            if entity.get("entity") == "faq_topic":
                return str(entity.get("value"))
        if intent == "faq":
            key = ((parse.get("response_selector") or {}).get("faq") or {}).get("response", {})
            full = key.get("intent_response_key") or ""
            if full.startswith("faq/"):
                return full.removeprefix("faq/")
    return None


def topic_reply(topic_name: str | None, render: Callable[[Topic], Reply]) -> Reply:
    topic = cached_topics(get_settings().kb_dir).get(topic_name or "")
    return answers.unknown_topic() if topic is None else render(topic)


class ActionAskQuestion(ReplyAction):
    action_name = "action_ask_question"

    def reply(self, tracker: Tracker) -> Reply:
        settings = get_settings()
        local = cached_local(settings.local_file)
        return answers.question_menu(cached_topics(settings.kb_dir), local.popular_topics)


class ActionAnswerTopic(ReplyAction):
    action_name = "action_answer_topic"

    def reply(self, tracker: Tracker) -> Reply:
        return topic_reply(tracker.get_slot("faq_topic"), answers.short_answer)


class ActionTopicDetail(ReplyAction):
    action_name = "action_topic_detail"

    def reply(self, tracker: Tracker) -> Reply:
        return topic_reply(last_topic(tracker.events), answers.full_answer)
