"""The confidence check, as thin adapters: a form whose one slot takes each answer in turn.

`confidence_form` requests `confidence_answer` (from_text) until every question in
content/confidence.yml has an answer; the answers so far live in `confidence_answers`, so the
check carries on where it was left, also after a restart (the tracker store keeps slots and
the active form). Everything else is in `bot.confidence`.

The validation action also asks the next question, and the domain has no `action_ask_*` for
the slot (so the form asks nothing itself): an answer costs the engine one call to the action
server instead of two. Half of all turns are answers to the check (bench/load.py).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, help_desk, send
from actions.digression import DigressingFormValidation, leaves_form
from bot.confidence.answers import read_answer, read_command
from bot.confidence.flow import Outcome, Turn, take_turn
from bot.confidence.scoring import next_question
from bot.confidence.service import ask, clean_answers, current_check, finish, introduction
from bot.loop.conversation import RETAKE_OFFERED, retake_offer
from bot.outbound import QuietHours
from bot.settings import get_settings

FORM = "confidence_form"
ANSWER = "confidence_answer"
ANSWERS = "confidence_answers"
UNCLEAR = "confidence_unclear"
REQUESTED_SLOT = "requested_slot"

# Intents that, when a message is not an answer, mean the resident wants to leave the check: the
# form steps aside and a rule in data/rules/confidence.yml answers (each one needs a rule).
# Questions, places and "where can I go?" are digressions instead: answered inside the form,
# which then asks its question again (actions/digression.py).
ELSEWHERE_INTENTS = frozenset(
    {
        "help",
        "human_handoff",
        "ask_question",
        "goodbye",
        "opt_out",
        "forget_me",
        "privacy",
    }
)


def wants_elsewhere(message: dict[str, Any]) -> bool:
    return leaves_form(message, ELSEWHERE_INTENTS)


def turn_for(tracker: Tracker, text: str) -> Turn:
    check = current_check(get_settings())
    message = tracker.latest_message or {}
    return take_turn(
        check,
        clean_answers(check, tracker.get_slot(ANSWERS)),
        text,
        unclear_before=bool(tracker.get_slot(UNCLEAR)),
        wants_elsewhere=wants_elsewhere(message),
        wants_check=(message.get("intent") or {}).get("name") == "start_confidence_check",
    )


class ValidateConfidenceForm(DigressingFormValidation):
    resume = "Now, back to the check. If you'd rather stop here, say stop: your answers are kept."
    resume_sms = "Now, back to the check."

    def name(self) -> str:
        return "validate_confidence_form"

    def is_answer(self, tracker: Tracker) -> bool:
        """An answer or a command of the check ("2", "not really", "stop") is never a digression."""
        check = current_check(get_settings())
        text = str((tracker.latest_message or {}).get("text") or "")
        return read_command(check, text) is not None or read_answer(check, text) is not None

    def ask_again(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        ask_next(dispatcher, tracker.get_slot(ANSWERS), unclear=False)
        return [SlotSet(UNCLEAR, False)]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        found = self.digression(tracker)
        if found is not None:
            return await self.digress(dispatcher, tracker, found)
        text = tracker.slots_to_validate().get(ANSWER)
        if text is None:
            # The form starts, or comes back after an aside: ask the question it is at. The slot
            # event tells the form that validation happened, so it does not call again.
            unclear = bool(tracker.get_slot(UNCLEAR))
            ask_next(dispatcher, tracker.get_slot(ANSWERS), unclear)
            return [SlotSet(UNCLEAR, unclear)]
        if turn_for(tracker, str(text)).outcome is Outcome.ELSEWHERE:
            # Not an answer, and clearly something else: let the rules take this message.
            return self.step_aside(tracker)
        return await super().run(dispatcher, tracker, domain)

    def validate_confidence_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        turn = turn_for(tracker, str(value))
        if turn.reply is not None:
            send(dispatcher, turn.reply)
        slots: dict[str, Any] = {ANSWERS: turn.answers, UNCLEAR: turn.unclear, ANSWER: None}
        if turn.outcome is Outcome.DONE:
            slots[ANSWER] = str(value)  # filled: the form is complete
        elif turn.outcome.ends_check:
            slots[REQUESTED_SLOT] = None  # stop or pause: the form ends, the answers stay
        else:
            ask_next(dispatcher, turn.answers, turn.unclear)
        return slots


def ask_next(dispatcher: CollectingDispatcher, answers: object, unclear: bool) -> None:
    """The next unanswered question, spelled out after an unclear answer."""
    check = current_check(get_settings())
    reply = ask(check, clean_answers(check, answers), unclear)
    if reply is not None:
        send(dispatcher, reply)


class ActionConfidenceStart(Action):
    """Says what the check is, or welcomes the resident back to where they left it."""

    def name(self) -> str:
        return "action_confidence_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        check = current_check(get_settings())
        saved = clean_answers(check, tracker.get_slot(ANSWERS))
        if next_question(check, saved) is None:
            saved = {}
        send(dispatcher, introduction(check, saved))
        return [SlotSet(ANSWERS, saved), SlotSet(UNCLEAR, False), SlotSet(ANSWER, None)]


class ActionConfidenceResult(Action):
    """After the form: the result when every question has an answer (a stop has said its piece)."""

    def name(self) -> str:
        return "action_confidence_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        settings = get_settings()
        check = current_check(settings)
        saved = clean_answers(check, tracker.get_slot(ANSWERS))
        if not saved or next_question(check, saved) is not None:
            return [SlotSet(ANSWER, None), SlotSet(RETAKE_OFFERED, None)]  # nothing to invite back to
        # Writes the result and searches nearby help: in a thread, off the event loop.
        finished = await asyncio.to_thread(
            finish,
            check,
            saved,
            tracker.sender_id,
            referral_code=tracker.get_slot("referral_code"),
            location=tracker.get_slot("location"),
            need=tracker.get_slot("need"),
            settings=settings,
            desk=help_desk(),
        )
        # Then, where the bot can message later: shall I invite you to try it again in 4 weeks?
        invite = retake_offer(
            QuietHours.from_settings(settings), channel=channel_of(tracker), now=datetime.now(UTC)
        )
        for reply in [*finished.replies, *invite.replies]:
            send(dispatcher, reply)
        events = [SlotSet(ANSWERS, None), SlotSet(ANSWER, None), SlotSet(UNCLEAR, False)]
        events += [SlotSet(name, value) for name, value in invite.slots.items()]
        if finished.results_offset is not None:
            events.append(SlotSet("results_offset", finished.results_offset))
        return events
