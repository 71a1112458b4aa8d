"""Digressions in any form, as one base class for the forms' validation actions.

A form's validation action that derives from `DigressingFormValidation` answers a question, a
place or "where can I go?" typed in the middle of the form (`bot.dialogue.digression`), then lets
the form ask its question again: it returns the asked slot as empty, so Rasa's form does not
reject the message and asks for the slot once (its `utter_ask_<slot>`, or `ask_again` for a form
that asks by itself). No rule per form and digression is needed. docs/architecture.md ("How a
form handles a digression") says how a new form uses it.
"""

from __future__ import annotations

import abc
import asyncio
from typing import Any, ClassVar

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, help_desk, send
from bot.dialogue import digression as talk
from bot.dialogue.digression import Digression, Kind
from bot.kb.topics import cached_topics
from bot.settings import get_settings
from bot.venues.help_desk import Asker

REQUESTED_SLOT = "requested_slot"
LISTED = "listed_sessions"
# How sure the engine must be that a message not answering the form means "leave it" (the menu,
# forget me...) before the form steps aside for a rule: below it, the form keeps the message.
MIN_LEAVING_CONFIDENCE = 0.7


def leaves_form(message: dict[str, Any], intents: frozenset[str]) -> bool:
    """The message clearly asks for one of `intents`, which take the resident out of the form."""
    intent = message.get("intent") or {}
    return intent.get("name") in intents and float(intent.get("confidence") or 0) >= MIN_LEAVING_CONFIDENCE


def fresh_message_in_form(tracker: Tracker) -> bool:
    """The resident has just written while the form was waiting for a slot (not the form's start).

    The form hands its validation a copy of the tracker with its own action after the message
    (Rasa's `FormAction._temporary_tracker`): so after the last message there must be no action
    but the form itself. After another action (the check's introduction) the form is starting.
    """
    form = tracker.active_loop_name
    if not form or not tracker.get_slot(REQUESTED_SLOT):
        return False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in {form, "action_listen"}:
            return False
    return False


class DigressingFormValidation(FormValidationAction):
    """A form validation that answers digressions, then lets the form carry on where it was.

    Subclasses set `resume` (the line that leads back, e.g. "Now, back to the check.") and may
    override `is_answer` (a message the form takes as its answer is never a digression) and
    `ask_again` (for a form that asks its questions itself instead of through a response).
    """

    resume: ClassVar[str] = "Now, back to where we were."
    # By SMS the answer, this line, the question and its numbered options share one text of at
    # most 3 segments: a form with a long `resume` gives a short one here.
    resume_sms: ClassVar[str | None] = None

    @abc.abstractmethod
    def name(self) -> str:
        """validate_<form>. (Abstract, so rasa-sdk does not register this base class itself.)"""

    def is_answer(self, tracker: Tracker) -> bool:
        """Whether this message answers the form's question (then the form takes it as usual)."""
        return False

    def resume_line(self, tracker: Tracker) -> str:
        """The line that leads back into the form (a form whose words are content reads them)."""
        sms = channel_of(tracker) == "sms"
        return self.resume_sms if sms and self.resume_sms is not None else self.resume

    def ask_again(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        """Ask the form's question after a digression. Rasa's form asks it itself by default."""
        return []

    def digression(self, tracker: Tracker) -> Digression | None:
        if not fresh_message_in_form(tracker) or self.is_answer(tracker):
            return None
        return talk.digression_in(tracker.latest_message or {})

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        found = self.digression(tracker)
        if found is None:
            return await super().run(dispatcher, tracker, domain)
        return await self.digress(dispatcher, tracker, found)

    async def digress(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, found: Digression
    ) -> list[dict[str, Any]]:
        """Answer the digression, then the form's question again."""
        events = await answer_digression(dispatcher, tracker, found, self.resume_line(tracker))
        return [*events, *self.carry_on(dispatcher, tracker)]

    def carry_on(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        """After something answered inside the form: its question again, where it was. The asked
        slot stays empty (but is "validated", so the form does not reject the turn)."""
        asked = tracker.get_slot(REQUESTED_SLOT)
        return [SlotSet(str(asked), None), *self.ask_again(dispatcher, tracker)]

    @staticmethod
    def step_aside(tracker: Tracker) -> list[dict[str, Any]]:
        """The message leaves the form (the menu, forget me...): the form rejects it for a rule,
        which ends the form (docs/architecture.md, "How a form handles a digression")."""
        asked = tracker.get_slot(REQUESTED_SLOT)
        return [SlotSet(str(asked), None), ActionExecutionRejected(str(tracker.active_loop_name))]


async def answer_digression(
    dispatcher: CollectingDispatcher, tracker: Tracker, found: Digression, resume: str
) -> list[dict[str, Any]]:
    """Say the answer to a digression (text only, then `resume`); the slots it sets."""
    events: list[dict[str, Any]] = []
    short_answer = nearby = None
    pins: list[dict[str, Any]] = []
    if found.kind is Kind.QUESTION:
        topics = await asyncio.to_thread(cached_topics, get_settings().kb_dir)
        topic = topics.get(found.topic or "")
        short_answer = topic.short_answer if topic is not None else None
    location = found.location if found.kind is Kind.PLACE else tracker.get_slot("location")
    if found.kind in {Kind.PLACE, Kind.FIND_HELP} and location:
        channel = channel_of(tracker)
        result = await asyncio.to_thread(
            help_desk().answer,
            str(location),
            tracker.get_slot("need"),
            0,
            sms=channel == "sms",
            asker=Asker(tracker.sender_id, channel),
            # By SMS the form's question must fit in the same text: the nearest place only.
            most=1 if channel == "sms" else None,
        )
        nearby = result.reply.text
        if result.location_ok:
            events += [
                SlotSet("location", str(location)),
                SlotSet("results_offset", result.next_offset),
                SlotSet(LISTED, [item.as_slot() for item in result.listed]),
            ]
        pins = [pin.as_dict() for pin in result.reply.pins]
    text = talk.answer(found, short_answer=short_answer, nearby=nearby)
    send(dispatcher, talk.aside(text, resume))
    if pins:
        # After the text they belong to (the gateway attaches them to the message before). Map
        # pins carry no options, so the form's numbered options stay right.
        dispatcher.utter_message(json_message={"venues": pins})
    return events
