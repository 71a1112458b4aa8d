"""Closing the loop, as thin adapters: reminders, bookings, cancelling, the follow-up, the retake.

Each action reads slots, calls one function of `bot.loop.conversation`, and returns events. A
consent travels to the gateway as the custom payload {"consent": ...}: the gateway keeps the
address (only it knows it), the engine and this server never see it.
"""

from __future__ import annotations

import abc
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, send
from actions.digression import DigressingFormValidation
from bot.dialogue.digression import looks_like_question
from bot.local import cached_local
from bot.loop import conversation as loop
from bot.loop.web import calendar_links
from bot.outbound import QuietHours
from bot.settings import get_settings


@cache
def context() -> loop.LoopContext:
    settings = get_settings()
    helpline = cached_local(settings.local_file).helpline
    return loop.LoopContext(
        database_url=settings.database_url,
        quiet=QuietHours.from_settings(settings),
        helpline_name=helpline.name,
        helpline_phone=helpline.phone,
        calendar=calendar_links(settings),
    )


def now() -> datetime:
    return datetime.now(UTC)


def entity(tracker: Tracker, name: str) -> str | None:
    for item in tracker.latest_message.get("entities") or []:
        if item.get("entity") == name and item.get("value") is not None:
            return str(item["value"])
    return None


def finish(dispatcher: CollectingDispatcher, turn: loop.LoopTurn) -> list[dict[str, Any]]:
    for reply in turn.replies:
        send(dispatcher, reply)
    if turn.consent:
        dispatcher.utter_message(json_message={"consent": turn.consent})
    return [SlotSet(name, value) for name, value in turn.slots.items()]


class LoopAction(Action, abc.ABC):
    """An action that takes one loop turn. (Abstract: rasa-sdk skips it.)"""

    action_name: ClassVar[str]

    def name(self) -> str:
        return self.action_name

    @abc.abstractmethod
    def turn(self, tracker: Tracker) -> loop.LoopTurn: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return finish(dispatcher, self.turn(tracker))


class ActionOfferReminder(LoopAction):
    """ "Remind me about the Tuesday one" / "book me a place": which, and exactly what is sent."""

    action_name = "action_offer_reminder"

    def turn(self, tracker: Tracker) -> loop.LoopTurn:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return loop.offer(
            context(),
            listed_slot=tracker.get_slot("listed_sessions"),
            text=tracker.latest_message.get("text") or "",
            chosen_number=entity(tracker, "listed_number"),
            channel=channel_of(tracker),
            now=now(),
            wants_booking=intent == "book_place",
        )


class ActionReminderConsent(LoopAction):
    action_name = "action_reminder_consent"

    def turn(self, tracker: Tracker) -> loop.LoopTurn:
        return loop.consent_given(
            context(),
            choice_slot=tracker.get_slot("loop_choice"),
            book=bool(tracker.get_slot("loop_book")),
            conversation_id=tracker.sender_id,
            channel=channel_of(tracker),
            now=now(),
            soon=loop.wants_soon(tracker.latest_message.get("text") or "", entity(tracker, "reminder_soon")),
        )


class ActionReminderDeclined(LoopAction):
    action_name = "action_reminder_declined"

    def turn(self, tracker: Tracker) -> loop.LoopTurn:
        return loop.declined()


class ActionStopReminders(LoopAction):
    action_name = "action_stop_reminders"

    def turn(self, tracker: Tracker) -> loop.LoopTurn:
        return loop.cancel_everything(context(), conversation_id=tracker.sender_id, now=now())


class ActionFollowupAsk(LoopAction):
    """Triggered by the dispatcher (EXTERNAL_followup) the day after: "Did you make it?"."""

    action_name = "action_followup_ask"

    def turn(self, tracker: Tracker) -> loop.LoopTurn:
        return loop.followup_prompt(
            context(), conversation_id=tracker.sender_id, reference=entity(tracker, "booking_reference")
        )


class ActionFollowupWent(LoopAction):
    action_name = "action_followup_went"

    def turn(self, tracker: Tracker) -> loop.LoopTurn:
        return loop.went(
            context(),
            conversation_id=tracker.sender_id,
            reference=tracker.get_slot("loop_booking"),
            channel=channel_of(tracker),
        )


class ActionFollowupRated(LoopAction):
    action_name = "action_followup_rated"

    def turn(self, tracker: Tracker) -> loop.LoopTurn:
        said = loop.rated(
            context(),
            conversation_id=tracker.sender_id,
            reference=tracker.get_slot("loop_booking"),
            text=str(tracker.get_slot("visit_rating") or ""),
            channel=channel_of(tracker),
            now=now(),
        )
        return loop.LoopTurn(said.replies, {**said.slots, "visit_rating": None}, said.consent)


class ValidateRatingForm(DigressingFormValidation):
    """ "How was it?" takes a number or any few words; a question instead ("is there one next
    week?", "where else can I go?") is answered, then "how was it?" asked again."""

    resume = "Now, about your visit."

    def name(self) -> str:
        return "validate_rating_form"

    def is_answer(self, tracker: Tracker) -> bool:
        text = str((tracker.latest_message or {}).get("text") or "")
        return loop.rating_of(text) is not None or not looks_like_question(text)


class ActionFollowupMissed(LoopAction):
    action_name = "action_followup_missed"

    def turn(self, tracker: Tracker) -> loop.LoopTurn:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return loop.missed(
            context(),
            conversation_id=tracker.sender_id,
            reference=tracker.get_slot("loop_booking"),
            now=now(),
            couldnt=intent == "couldnt_go",
        )


class ActionRetakeConsent(LoopAction):
    action_name = "action_retake_consent"

    def turn(self, tracker: Tracker) -> loop.LoopTurn:
        return loop.retake_consent(
            context(),
            conversation_id=tracker.sender_id,
            channel=channel_of(tracker),
            now=now(),
            offered=bool(tracker.get_slot(loop.RETAKE_OFFERED)),
        )
