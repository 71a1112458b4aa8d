"""Nearest help: placeholder until the venue finder is wired in."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import send
from bot.kb import answers
from bot.local import cached_local
from bot.settings import get_settings


class ActionFindHelp(Action):
    def name(self) -> str:
        return "action_find_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        send(dispatcher, answers.human_handoff(cached_local(get_settings().local_file)))
        return []
