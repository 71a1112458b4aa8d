"""Shared pieces of the actions: dispatching a domain Reply, and the action that only says one."""

from __future__ import annotations

import abc
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.replies import Reply


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=reply.button_dicts())
    if reply.pins:
        # A separate custom message: the gateway attaches it to the text before (Telegram pins).
        dispatcher.utter_message(json_message={"venues": [pin.as_dict() for pin in reply.pins]})


def channel_of(tracker: Tracker) -> str:
    """The resident's channel (web, telegram, sms), as the engine's gateway channel recorded it."""
    return tracker.get_latest_input_channel() or "web"


class ReplyAction(Action, abc.ABC):
    """An action that asks the domain for one Reply and says it. (Abstract: rasa-sdk skips it.)"""

    action_name: ClassVar[str]

    def name(self) -> str:
        return self.action_name

    @abc.abstractmethod
    def reply(self, tracker: Tracker) -> Reply: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        send(dispatcher, self.reply(tracker))
        return []
