"""Call backs and the safe route, as thin adapters (bot/callbacks does the work).

The form's validation asks each question itself (like the confidence check). A question, a place
or small talk mid-form is a digression (`actions.digression`): answered, then the form asks its
step again. A scam in progress or distress mid-form gets the safe steps the same way, and makes
the request a priority. The menu, privacy and forget me end the form (a rule each). The number
never reaches this server: the gateway checks it and sends `callback_number{"number_check": ...}`;
the request is made here and the gateway, told `{"callback_save": {...}}`, stores the number.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from functools import cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, send
from actions.digression import DigressingFormValidation, leaves_form
from bot.callbacks import dialogue, service
from bot.callbacks.wording import load_wording
from bot.callbacks.workdays import WorkingDays
from bot.dialogue.digression import aside
from bot.local import cached_local
from bot.outbound import QuietHours
from bot.outbound.cipher import ContactCipher
from bot.settings import get_settings

FORM = "callback_form"
REQUESTED_SLOT = "requested_slot"
REASON = "callback_reason"
OPEN = "callback_open"
# Messages that end the form: it steps aside, and a rule in data/rules/callback.yml answers each.
ELSEWHERE_INTENTS = frozenset({"help", "forget_me", "privacy"})
# Someone at risk mid-form: the safe steps at once, then the form carries on (as a priority).
AT_RISK = {"scam_in_progress": "scam", "distress": "distress"}
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


def at_risk(message: dict[str, Any]) -> str | None:
    """ "scam" or "distress" when the engine is sure the message says so, else None."""
    name = (message.get("intent") or {}).get("name")
    return AT_RISK[name] if name in AT_RISK and leaves_form(message, frozenset({name})) else None


def say(dispatcher: CollectingDispatcher, step: dialogue.Step) -> None:
    for reply in step.replies:
        send(dispatcher, reply)
    if step.expect_number:
        dispatcher.utter_message(json_message={"callback": "expect_number"})


def form_slots(tracker: Tracker) -> dict[str, object]:
    names = (*dialogue.STEPS, dialogue.OTHER_NUMBER)
    return {name: tracker.get_slot(name) for name in names}


class ValidateCallbackForm(DigressingFormValidation):
    def name(self) -> str:
        return "validate_callback_form"

    def resume_line(self, tracker: Tracker) -> str:
        return context().words("aside")

    def is_answer(self, tracker: Tracker) -> bool:
        asked = str(tracker.get_slot(REQUESTED_SLOT) or "")
        return dialogue.is_answer(asked, str((tracker.latest_message or {}).get("text") or ""))

    def ask_again(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        """The step the form is at (the asked one: its slot may hold the digression's text)."""
        slots = form_slots(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        asked = requested if requested in dialogue.STEPS else dialogue.next_missing(slots)
        if asked is not None:
            say(dispatcher, dialogue.ask(str(asked), context().words, channel_of(tracker), slots))
        return []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        slots = form_slots(tracker)
        given = {key: value for key, value in tracker.slots_to_validate().items() if key in dialogue.STEPS}
        channel = channel_of(tracker)
        reason = at_risk(message) if given else None
        if reason is not None:
            steps = service.safe_steps(context(), reason, offer=False)
            send(dispatcher, aside(steps.text, self.resume_line(tracker)))
            return [SlotSet(REASON, reason), *self.carry_on(dispatcher, tracker)]
        found = self.digression(tracker)
        if found is not None:
            return await self.digress(dispatcher, tracker, found)
        if not given:
            return self.ask_again(dispatcher, tracker)  # the form starts: ask the step it is at
        if leaves_form(message, ELSEWHERE_INTENTS):
            return self.step_aside(tracker)
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
