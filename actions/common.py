"""Shared pieces of the actions: dispatching a domain Reply, the action that only says one, and
what the action server builds once from settings (it is an edge: the domain is given them).

The domain's calls touch the database and files, so actions run them in a thread
(`asyncio.to_thread`): the action server's event loop keeps serving every other resident.
"""

from __future__ import annotations

import abc
import asyncio
import atexit
import threading
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.replies import Reply
from bot.settings import Settings, get_settings
from bot.venues.help_desk import HelpDesk

_desk: tuple[Settings, HelpDesk] | None = None
_desk_lock = threading.Lock()


def help_desk() -> HelpDesk:
    """The action server's one HelpDesk (so one postcodes.io client), closed when it exits.

    Built again only when the settings object changes (tests that change the environment).
    """
    global _desk
    settings = get_settings()
    with _desk_lock:
        if _desk is None or _desk[0] is not settings:
            if _desk is not None:
                _desk[1].close()
            _desk = (settings, HelpDesk.from_settings(settings))
            atexit.register(_desk[1].close)
        return _desk[1]


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=reply.button_dicts())
    if reply.pins:
        # A separate custom message: the gateway attaches it to the text before (Telegram pins).
        dispatcher.utter_message(json_message={"venues": [pin.as_dict() for pin in reply.pins]})


def channel_of(tracker: Tracker) -> str:
    """The resident's channel (web, telegram, sms), as the engine's gateway channel recorded it."""
    return tracker.get_latest_input_channel() or "web"


class ReplyAction(Action, abc.ABC):
    """An action that asks the domain for one Reply and says it. (Abstract: rasa-sdk skips it.)

    `reply` runs in a thread, so it may read files or the database.
    """

    action_name: ClassVar[str]

    def name(self) -> str:
        return self.action_name

    @abc.abstractmethod
    def reply(self, tracker: Tracker) -> Reply: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        send(dispatcher, await asyncio.to_thread(self.reply, tracker))
        return []
