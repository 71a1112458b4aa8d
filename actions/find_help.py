"""Finding the nearest help: the form's validation and the search, as thin adapters.

The location is searched once a turn: the validation's search is kept by the HelpDesk for the
action that answers the same message.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, help_desk, send
from actions.digression import DigressingFormValidation
from bot.loop.listed import listed_from_slot
from bot.venues.help_desk import Asker, no_location_yet

LOCATION_ENTITIES = {"postcode", "place", "geo"}
# Channels that get the short list with its "More" left to the options: a text, and a call
# (where the options are read out and "Send MORE" would be wrong).
SHORT_LIST_CHANNELS = frozenset({"sms", "voice"})
# What the last results listed: the sessions "remind me about 2" can mean (domain/loop.yml).
LISTED = "listed_sessions"


def turn_of(tracker: Tracker) -> str:
    """The message being answered: the validation and the action of one turn see the same one."""
    message_id = (tracker.latest_message or {}).get("message_id") or ""
    return f"{tracker.sender_id}:{message_id}"


async def answer_with_help(
    dispatcher: CollectingDispatcher, tracker: Tracker, offset: int
) -> list[dict[str, Any]]:
    location = tracker.get_slot("location")
    if not location:
        send(dispatcher, no_location_yet())
        return []
    channel = channel_of(tracker)
    found = await asyncio.to_thread(
        help_desk().answer,
        str(location),
        tracker.get_slot("need"),
        offset,
        sms=channel in SHORT_LIST_CHANNELS,
        asker=Asker(tracker.sender_id, channel),
        turn=turn_of(tracker),
    )
    send(dispatcher, found.reply)
    if not found.location_ok:
        return [SlotSet("location", None), SlotSet("results_offset", 0)]
    listed = (
        {item.number: item.as_slot() for item in listed_from_slot(tracker.get_slot(LISTED))} if offset else {}
    )
    listed.update({item.number: item.as_slot() for item in found.listed})
    return [SlotSet("results_offset", found.next_offset), SlotSet(LISTED, list(listed.values()))]


# While the bot waits for a place, only these are digressions; anything else is taken as the place.
DIGRESSION_INTENTS = frozenset({"faq", "ask_topic", "bot_challenge", "thank", "greet"})


class ValidateFindHelpForm(DigressingFormValidation):
    # The form asks "What's your postcode?" again itself (utter_ask_location).
    resume = ""

    def name(self) -> str:
        return "validate_find_help_form"

    def is_answer(self, tracker: Tracker) -> bool:
        """A place is this form's answer; a question is a digression."""
        message = tracker.latest_message or {}
        entities = {e.get("entity") for e in message.get("entities", [])}
        return (
            bool(entities & LOCATION_ENTITIES)
            or (message.get("intent") or {}).get("name") not in DIGRESSION_INTENTS
        )

    async def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        entities = {e.get("entity") for e in tracker.latest_message.get("entities", [])}
        if "need" in entities and not entities & LOCATION_ENTITIES and tracker.get_slot("requested_slot"):
            # "It's for my mum, she's deaf": the need is noted; still ask where.
            return {"location": None}
        problem = await asyncio.to_thread(
            help_desk().location_problem, str(value), tracker.get_slot("need"), turn=turn_of(tracker)
        )
        if problem:
            dispatcher.utter_message(text=problem)
            return {"location": None}
        return {"location": value, "results_offset": 0}


class ActionFindHelp(Action):
    def name(self) -> str:
        return "action_find_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return await answer_with_help(dispatcher, tracker, offset=0)


class ActionMoreResults(Action):
    def name(self) -> str:
        return "action_more_results"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return await answer_with_help(
            dispatcher, tracker, offset=int(tracker.get_slot("results_offset") or 0)
        )
