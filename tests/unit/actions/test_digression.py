"""Digressions in forms, through the forms' validation actions, without an engine."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.digression import fresh_message_in_form
from actions.find_help import ValidateFindHelpForm
from actions.loop import ValidateRatingForm

FAQ_COST = {"faq": {"response": {"intent_response_key": "faq/cost"}}}


def tracker(
    text: str,
    intent: str,
    *,
    form: str = "find_help_form",
    requested: str | None = "location",
    after: list[str] | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.95},
        "entities": entities or [],
        "response_selector": FAQ_COST,
    }
    events: list[dict[str, Any]] = [{"event": "user", "text": text, "parse_data": message}]
    events += [{"event": "action", "name": name} for name in after or [form]]
    slots = {"requested_slot": requested, "location": None, "need": None}
    return Tracker("web-test", slots, message, events, False, None, {"name": form}, form)


def test_a_message_typed_while_the_form_waits_is_fresh_but_the_form_s_start_is_not() -> None:
    assert fresh_message_in_form(tracker("is it free?", "faq"))
    # The check starts after its introduction: the message that started it is no digression.
    assert not fresh_message_in_form(
        tracker("check me", "x", after=["action_confidence_start", "confidence_form"])
    )
    assert not fresh_message_in_form(tracker("find help", "find_help", requested=None))


async def test_a_question_while_the_bot_waits_for_a_place_is_answered_and_the_place_asked_again() -> None:
    dispatcher = CollectingDispatcher()
    events = await ValidateFindHelpForm().run(dispatcher, tracker("is it free?", "faq"), {})
    assert len(dispatcher.messages) == 1
    assert "free" in dispatcher.messages[0]["text"].lower() and not dispatcher.messages[0]["buttons"]
    # The slot stays empty, and is "validated": the form asks for it again (utter_ask_location).
    assert events == [{"event": "slot", "timestamp": None, "name": "location", "value": None}]


def test_a_place_is_the_find_help_form_s_answer_not_a_digression() -> None:
    place = [{"entity": "place", "value": "Armley"}]
    assert ValidateFindHelpForm().digression(tracker("armley", "inform", entities=place)) is None
    assert ValidateFindHelpForm().digression(tracker("somewhere", "nlu_fallback")) is None


async def test_a_question_instead_of_how_was_it_is_answered_and_how_was_it_asked_again() -> None:
    form = ValidateRatingForm()
    asked = tracker("is it free?", "faq", form="rating_form", requested="visit_rating")
    dispatcher = CollectingDispatcher()
    events = await form.run(dispatcher, asked, {})
    assert "free" in dispatcher.messages[0]["text"].lower()
    assert dispatcher.messages[0]["text"].endswith(ValidateRatingForm.resume)
    # utter_ask_visit_rating asks again: the slot is empty but validated.
    assert events == [{"event": "slot", "timestamp": None, "name": "visit_rating", "value": None}]


def test_a_rating_in_numbers_or_words_is_never_a_digression() -> None:
    form = ValidateRatingForm()
    for said in ("4", "it was great thanks", "not great, was it worth it?"):
        assert form.digression(tracker(said, "faq", form="rating_form", requested="visit_rating")) is None
