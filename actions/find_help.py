"""Finding the nearest help: the form's validation and the search, as thin adapters."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import channel_of, send
from bot.loop.listed import listed_from_slot
from bot.settings import get_settings
from bot.venues.replies import Asker, location_problem, nearest_help, no_location_yet

LOCATION_ENTITIES = {"postcode", "place", "geo"}
# What the last results listed: the sessions "remind me about 2" can mean (domain/loop.yml).
LISTED = "listed_sessions"


def _search(dispatcher: CollectingDispatcher, tracker: Tracker, offset: int) -> list[dict[str, Any]]:
    location = tracker.get_slot("location")
    if not location:
        send(dispatcher, no_location_yet())
        return []
    channel = channel_of(tracker)
    found = nearest_help(
        get_settings().database_url,
        location,
        tracker.get_slot("need"),
        offset,
        sms=channel == "sms",
        asker=Asker(tracker.sender_id, channel),
    )
    send(dispatcher, found.reply)
    if not found.location_ok:
        return [SlotSet("location", None), SlotSet("results_offset", 0)]
    listed = (
        {item.number: item.as_slot() for item in listed_from_slot(tracker.get_slot(LISTED))} if offset else {}
    )
    listed.update({item.number: item.as_slot() for item in found.listed})
    return [SlotSet("results_offset", found.next_offset), SlotSet(LISTED, list(listed.values()))]


class ValidateFindHelpForm(FormValidationAction):
    def name(self) -> str:
        return "validate_find_help_form"

    def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        entities = {e.get("entity") for e in tracker.latest_message.get("entities", [])}
        if "need" in entities and not entities & LOCATION_ENTITIES and tracker.get_slot("requested_slot"):
            # "It's for my mum, she's deaf": the need is noted; still ask where.
            return {"location": None}
        problem = location_problem(get_settings().database_url, str(value))
        if problem:
            dispatcher.utter_message(text=problem)
            return {"location": None}
        return {"location": value, "results_offset": 0}


class ActionFindHelp(Action):
    def name(self) -> str:
        return "action_find_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return _search(dispatcher, tracker, offset=0)


class ActionMoreResults(Action):
    def name(self) -> str:
        return "action_more_results"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return _search(dispatcher, tracker, offset=int(tracker.get_slot("results_offset") or 0))
