"""The greeting, said in full once a conversation: a second hello gets a short one.

The web chat says hi for the resident when it opens (so the menu is there), and residents then
type "hiya" themselves: the full greeting twice in a row read as a bot that was not listening.
A new session (the next day: domain/core.yml session_config) is greeted in full again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

GREET = "action_greet"


def greeted_this_session(events: Iterable[dict[str, Any]]) -> bool:
    """Whether the greeting was said since the session started (the last few events suffice)."""
    greeted = False
    for event in events:
        if event.get("event") == "session_started":
            greeted = False
        elif event.get("event") == "action" and event.get("name") in {GREET, "utter_greet"}:
            greeted = True
    return greeted


class ActionGreet(Action):
    def name(self) -> str:
        return GREET

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        # This action's own event for this turn is not in the tracker yet.
        if greeted_this_session(tracker.events):
            dispatcher.utter_message(response="utter_greet_again")
        else:
            dispatcher.utter_message(response="utter_greet")
            dispatcher.utter_message(response="utter_menu")
        return []
