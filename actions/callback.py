"""Call backs and the safe route, as thin adapters (bot/callbacks does the work).

The form's validation asks each question itself (like the confidence check); a message that is
clearly something else (a question, a scam in progress, distress, the menu) makes the form step
aside, a rule answers, and the form asks its question again. The number never reaches this
server: the gateway checks it and sends `callback_number{"number_check": ...}`; the request is
made here and the gateway, told `{"callback_save": {...}}`, stores the number with it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from functools import cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, send
from actions.confidence import MIN_INTENT_CONFIDENCE
from actions.topics import last_topic
from bot.callbacks import dialogue, service
from bot.callbacks.wording import load_wording
from bot.callbacks.workdays import WorkingDays
from bot.confidence.answers import looks_like_question
from bot.kb.topics import cached_topics
from bot.local import cached_local
from bot.outbound import QuietHours
from bot.outbound.cipher import ContactCipher
from bot.replies import Reply
from bot.settings import get_settings

FORM = "callback_form"
REQUESTED_SLOT = "requested_slot"
REASON = "callback_reason"
OPEN = "callback_open"
# Not an answer, and clearly something else: the form steps aside (each has a rule).
ELSEWHERE_INTENTS = frozenset({"faq", "scam_in_progress", "distress", "help", "forget_me", "privacy"})
BANK_HOLIDAYS = "bank_holidays.yml"


@cache
def _context(settings_id: int) -> service.CallbackContext:
    settings = get_settings()
    return service.CallbackContext(
        database_url=settings.database_url,
        cipher=ContactCipher(settings.outbound_key_list),
        workdays=WorkingDays.from_file(settings.content_dir / BANK_HOLIDAYS, settings.timezone),
        quiet=QuietHours.from_settings(settings),
        words=load_wording(settings.content_dir, cached_local(settings.local_file), settings.retention_days),
    )


def context() -> service.CallbackContext:
    """Built once per settings object (tests that change the environment get a new one)."""
    return _context(id(get_settings()))


def now() -> datetime:
    return datetime.now(UTC)


def intent_of(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def entities_of(tracker: Tracker) -> dict[str, str]:
    return {
        str(item["entity"]): str(item["value"])
        for item in tracker.latest_message.get("entities") or []
        if item.get("entity") and item.get("value") is not None
    }


def wants_elsewhere(message: dict[str, Any]) -> bool:
    intent = message.get("intent") or {}
    if intent.get("name") not in ELSEWHERE_INTENTS or (intent.get("confidence") or 0) < MIN_INTENT_CONFIDENCE:
        return False
    return intent["name"] != "faq" or looks_like_question(message.get("text") or "")


def say(dispatcher: CollectingDispatcher, step: dialogue.Step) -> None:
    for reply in step.replies:
        send(dispatcher, reply)
    if step.expect_number:
        dispatcher.utter_message(json_message={"callback": "expect_number"})


def form_slots(tracker: Tracker) -> dict[str, object]:
    names = (*dialogue.STEPS, dialogue.OTHER_NUMBER)
    return {name: tracker.get_slot(name) for name in names}


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        slots = form_slots(tracker)
        given = {key: value for key, value in tracker.slots_to_validate().items() if key in dialogue.STEPS}
        channel = channel_of(tracker)
        if not given:
            # The form starts, or comes back after an aside: ask the step it is at.
            missing = dialogue.next_missing(slots)
            if missing is not None:
                say(dispatcher, dialogue.ask(missing, context().words, channel, slots))
            return []
        if wants_elsewhere(tracker.latest_message or {}):
            return [*(SlotSet(key, None) for key in given), ActionExecutionRejected(FORM)]
        name, text = next(iter(given.items()))
        step = dialogue.take(
            name,
            str(text),
            intent=intent_of(tracker),
            entities=entities_of(tracker),
            channel=channel,
            slots=slots,
            words=context().words,
        )
        say(dispatcher, step)
        events: list[dict[str, Any]] = [SlotSet(name, step.slots.get(name))]
        events += [SlotSet(key, value) for key, value in step.slots.items() if key != name]
        if step.end:
            return [*events, SlotSet(REQUESTED_SLOT, None)]
        after = {**slots, **step.slots}
        missing = dialogue.next_missing(after)
        if step.slots.get(name) is not None and missing is not None and not step.expect_number:
            say(dispatcher, dialogue.ask(missing, context().words, channel, after))
        return events


class ActionCallbackStart(Action):
    """Starts the form, unless a call back is already waiting (then says so)."""

    def name(self) -> str:
        return "action_callback_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        waiting = await asyncio.to_thread(service.existing, context(), tracker.sender_id, now())
        if waiting is not None:
            send(dispatcher, waiting)
            return [SlotSet(OPEN, "waiting")]
        reset = [SlotSet(name, None) for name in dialogue.STEPS]
        return [*reset, SlotSet(dialogue.OTHER_NUMBER, False), SlotSet(OPEN, "none")]


class ActionCallbackSave(Action):
    def name(self) -> str:
        return "action_callback_save"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        saved = await asyncio.to_thread(
            service.save,
            context(),
            form_slots(tracker),
            conversation_id=tracker.sender_id,
            channel=channel_of(tracker),
            reason=tracker.get_slot(REASON),
            location=tracker.get_slot("location"),
            now=now(),
        )
        for reply in saved.replies:
            send(dispatcher, reply)
        if saved.request_id is not None:
            dispatcher.utter_message(
                json_message={"callback_save": {"id": saved.request_id, "number": saved.number}}
            )
        if saved.consent:
            dispatcher.utter_message(json_message={"consent": saved.consent})
        reset = [SlotSet(name, None) for name in dialogue.STEPS]
        return [*reset, SlotSet(dialogue.OTHER_NUMBER, False), SlotSet(REASON, None)]


class ActionCallbackAside(Action):
    """A question mid-form: the short answer, then the form asks its step again."""

    def name(self) -> str:
        return "action_callback_aside"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        topics = await asyncio.to_thread(cached_topics, get_settings().kb_dir)
        topic = topics.get(last_topic(tracker.events) or "")
        words = context().words
        if topic is not None:
            send(dispatcher, Reply(topic.short_answer))
        send(dispatcher, Reply(words("aside")))
        return []


class ActionCallbackStatus(Action):
    def name(self) -> str:
        return "action_callback_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        send(dispatcher, await asyncio.to_thread(service.status, context(), tracker.sender_id, now()))
        return []


class ActionCallbackCancel(Action):
    def name(self) -> str:
        return "action_callback_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        send(dispatcher, await asyncio.to_thread(service.cancel, context(), tracker.sender_id, now()))
        return []


class ActionSafeSteps(Action):
    """A scam in progress or distress: the safe steps first, then a priority call back offered."""

    def name(self) -> str:
        return "action_safe_steps"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reason = "scam" if intent_of(tracker) == "scam_in_progress" else "distress"
        send(dispatcher, service.safe_steps(context(), reason))
        return [SlotSet(REASON, reason)]
