"""Replies that name the council's own contacts (content/local.yml), and the privacy requests."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import ReplyAction, send
from bot.callbacks.service import offer
from bot.kb import answers
from bot.local import cached_local
from bot.privacy import notice
from bot.replies import Reply
from bot.settings import get_settings


class ActionHumanHandoff(Action):
    """The helpline and a champion's place, then a call back from a champion offered (issue 15)."""

    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        handoff = answers.human_handoff(cached_local(get_settings().local_file))
        dispatcher.utter_message(text=handoff.text)
        send(dispatcher, callback_offer())
        return [SlotSet("callback_reason", None)]


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


def callback_offer() -> Reply:
    from actions.callback import context

    return offer(context())
