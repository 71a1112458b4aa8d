"""Replies that name the council's own contacts (content/local.yml), and the privacy requests."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import ReplyAction
from bot.kb import answers
from bot.local import cached_local
from bot.privacy import notice
from bot.replies import Reply
from bot.settings import get_settings


class ActionHumanHandoff(ReplyAction):
    action_name = "action_human_handoff"

    def reply(self, tracker: Tracker) -> Reply:
        return answers.human_handoff(cached_local(get_settings().local_file))


class ActionForgetMe(ReplyAction):
    """Asks once more: deleting cannot be undone."""

    action_name = "action_forget_me"

    def reply(self, tracker: Tracker) -> Reply:
        return notice.confirm_forget()


class ActionPrivacy(ReplyAction):
    action_name = "action_privacy"

    def reply(self, tracker: Tracker) -> Reply:
        settings = get_settings()
        return notice.privacy_details(cached_local(settings.local_file), settings.retention_days)


class ActionForgetConfirmed(Action):
    """Asks the gateway to delete everything; the gateway says whether it could.

    The deletion happens in the gateway, after this turn is written, so that nothing of the
    conversation is left behind; the gateway also holds state of its own to clear.
    """

    def name(self) -> str:
        return "action_forget_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message={"forget": True})
        return []
