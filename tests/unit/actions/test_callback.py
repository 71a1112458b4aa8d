"""The call-back glue, run without an engine: the form's validation (answers, a question or the
safe steps mid-form answered inside the form, the menu stepping aside), the start, the save with
its payload for the gateway, and the safe steps."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import callback as actions
from bot.db import migrate
from bot.db.models import CallbackRequest
from bot.db.session import dispose_engines, session_scope
from bot.settings import get_settings


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'callback.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    actions._context.cache_clear()
    migrate.upgrade(url)
    yield url
    get_settings.cache_clear()
    actions._context.cache_clear()
    dispose_engines()
    migrate.forget(url)


def tracker(
    text: str,
    *,
    intent: str,
    confidence: float = 0.95,
    channel: str = "web",
    slots: dict[str, Any] | None = None,
    setting: tuple[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    faq: str | None = None,
) -> Tracker:
    message: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
    }
    if faq is not None:  # the response selector's pick, as the engine parses a question
        message["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{faq}"}}}
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": message, "input_channel": channel},
    ]
    all_slots = dict(slots or {})
    if setting is not None:
        events.append({"event": "slot", "name": setting[0], "value": setting[1]})
        all_slots[setting[0]] = setting[1]
    all_slots.setdefault("requested_slot", setting[0] if setting else None)
    return Tracker(
        "conversation-1", all_slots, message, events, False, None, {"name": "callback_form"}, "action_listen"
    )


def run(action: Any, on: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    domain = {"forms": {"callback_form": {"required_slots": list(actions.dialogue.STEPS)}}, "slots": {}}
    events = asyncio.run(action.run(dispatcher, on, domain))
    return events, dispatcher.messages


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_an_answer_fills_its_step_and_the_next_question_is_asked(database: str) -> None:
    on = tracker(
        "Evenings", intent="inform", slots={"callback_topic": "Scams"}, setting=("callback_time", "Evenings")
    )
    events, said = run(actions.ValidateCallbackForm(), on)
    assert slot_values(events)["callback_time"] == "evenings"
    assert said[-1]["text"].startswith("What first name should they ask for?")


def test_a_question_mid_form_is_answered_and_the_same_step_asked_again(database: str) -> None:
    asked = "how do I spot a scam text?"
    on = tracker(asked, intent="faq", setting=("callback_topic", asked), faq="scams")
    events, said = run(actions.ValidateCallbackForm(), on)
    assert "7726" in said[0]["text"] and said[0]["text"].endswith("Now, back to your call back.")
    assert not said[0]["buttons"]  # the form's own options follow, numbered right by SMS
    assert said[1]["text"].startswith("What would you like help with?")
    # The step stays empty but validated: the form neither rejects the turn nor moves on.
    assert slot_values(events) == {"callback_topic": None}
    assert not any(e.get("event") == "action_execution_rejected" for e in events)


def test_a_topic_in_a_few_words_is_the_answer_even_when_it_reads_like_a_known_topic(database: str) -> None:
    said = "online banking"
    on = tracker(said, intent="faq", setting=("callback_topic", said), faq="online_banking")
    events, _ = run(actions.ValidateCallbackForm(), on)
    assert slot_values(events)["callback_topic"] == "online banking"


def test_a_scam_in_progress_mid_form_gets_the_safe_steps_and_the_form_goes_on_as_a_priority(
    database: str,
) -> None:
    slots = {"callback_topic": "-"}
    said_now = "he's on the phone now asking for my pin"
    on = tracker(said_now, intent="scam_in_progress", slots=slots, setting=("callback_time", said_now))
    events, said = run(actions.ValidateCallbackForm(), on)
    assert said[0]["text"].startswith("Stop now. Hang up")
    assert "ring me back" not in str(said[0]["buttons"]).lower()  # already asking for one
    assert said[1]["text"].startswith("When is best to ring you?")
    assert slot_values(events) == {"callback_reason": "scam", "callback_time": None}


def test_the_menu_mid_form_steps_aside_for_its_rule(database: str) -> None:
    on = tracker("menu", intent="help", setting=("callback_name", "menu"))
    events, said = run(actions.ValidateCallbackForm(), on)
    assert said == []
    assert {"event": "action_execution_rejected", "name": "callback_form"}.items() <= events[-1].items()
    assert slot_values(events) == {"callback_name": None}


def test_an_unsure_intent_is_taken_as_the_answer(database: str) -> None:
    on = tracker("scams", intent="faq", confidence=0.4, setting=("callback_topic", "scams"))
    events, _ = run(actions.ValidateCallbackForm(), on)
    assert slot_values(events)["callback_topic"] == "scams"


def test_the_typed_number_asks_the_gateway_to_check_the_next_message(database: str) -> None:
    slots = {"callback_topic": "-", "callback_time": "any", "callback_name": "-"}
    on = tracker("yes", intent="affirm", slots=slots, setting=("callback_consent", "yes"))
    events, said = run(actions.ValidateCallbackForm(), on)
    assert slot_values(events)["callback_consent"] == "yes"
    assert said[-2]["text"].startswith("What number should the champion ring?")
    assert said[-1]["custom"] == {"callback": "expect_number"}


def test_the_save_makes_the_request_and_tells_the_gateway_where_the_number_is(database: str) -> None:
    slots = {
        "callback_topic": "Scams",
        "callback_time": "mornings",
        "callback_name": "Jo",
        "callback_consent": "yes",
        "callback_number": "typed:mobile",
        "location": "LS9 7AB",
    }
    events, said = run(
        actions.ActionCallbackSave(), tracker("/callback_number", intent="callback_number", slots=slots)
    )
    with session_scope(database) as session:
        request = session.scalars(select(CallbackRequest)).one()
        assert (request.topic, request.preferred_time, request.outcode, request.phone_encrypted) == (
            "Scams",
            "mornings",
            "LS9",
            None,  # the gateway adds it in this same turn
        )
        request_id = request.id
    assert "A champion will call you within 2 working days" in said[0]["text"]
    assert said[1]["custom"] == {"callback_save": {"id": request_id, "number": "typed"}}
    assert slot_values(events)["callback_number"] is None


def test_no_consent_makes_nothing(database: str) -> None:
    slots = {"callback_consent": "no", "callback_number": None}
    _, said = run(actions.ActionCallbackSave(), tracker("no", intent="deny", slots=slots))
    assert said == []
    with session_scope(database) as session:
        assert session.scalars(select(CallbackRequest)).all() == []


def test_the_safe_steps_come_first_with_a_priority_offer(database: str) -> None:
    events, said = run(actions.ActionSafeSteps(), tracker("he wants my pin", intent="scam_in_progress"))
    assert said[0]["text"].startswith("Stop now. Hang up")
    assert [b["title"] for b in said[0]["buttons"]] == ["Yes, ring me back", "No thanks"]
    assert slot_values(events) == {"callback_reason": "scam"}


def test_the_start_says_a_waiting_call_back_instead_of_asking_again(database: str) -> None:
    events, said = run(actions.ActionCallbackStart(), tracker("ring me", intent="request_callback"))
    assert slot_values(events)["callback_open"] == "none" and said == []
    slots = {"callback_topic": "-", "callback_time": "any", "callback_name": "-", "callback_consent": "yes"}
    slots["callback_number"] = "typed:mobile"
    run(actions.ActionCallbackSave(), tracker("x", intent="callback_number", slots=slots))
    events, said = run(actions.ActionCallbackStart(), tracker("ring me", intent="request_callback"))
    assert slot_values(events) == {"callback_open": "waiting"}
    assert said[0]["text"].startswith("Your call back is waiting")


def test_mornings_is_the_time_even_when_the_engine_hears_good_morning(database: str) -> None:
    on = tracker(
        "mornings", intent="greet", slots={"callback_topic": "-"}, setting=("callback_time", "mornings")
    )
    events, said = run(actions.ValidateCallbackForm(), on)
    assert slot_values(events)["callback_time"] == "mornings"
    assert said[-1]["text"].startswith("What first name")
