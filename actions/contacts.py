"""Replies that name the council's own contacts (content/local.yml)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import send
from bot.kb import answers
from bot.local import cached_local
from bot.settings import get_settings


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        send(dispatcher, answers.human_handoff(cached_local(get_settings().local_file)))
        return []


class ActionForgetMe(Action):
    def name(self) -> str:
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        send(dispatcher, answers.forget_me(cached_local(get_settings().local_file)))
        return []
