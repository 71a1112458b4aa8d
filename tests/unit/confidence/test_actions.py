"""The Rasa glue, run without an engine: trackers built by hand, dispatched messages checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.confidence import (
    ELSEWHERE_INTENTS,
    ActionConfidenceResult,
    ActionConfidenceStart,
    ValidateConfidenceForm,
)
from bot.confidence.content import ConfidenceCheck
from bot.confidence.store import results_key
from bot.db import migrate
from bot.db.models import ConfidenceResult
from bot.db.session import dispose_engines, session_scope
from bot.settings import ROOT, get_settings
from tests.unit.confidence.conftest import all_answers

DOMAIN = yaml.safe_load((ROOT / "domain" / "confidence.yml").read_text())
RULES = yaml.safe_load((ROOT / "data" / "rules" / "confidence.yml").read_text())["rules"]


def tracker(
    text: str = "",
    *,
    slots: dict[str, Any] | None = None,
    intent: str = "nlu_fallback",
    confidence: float = 0.9,
    validating: bool = False,
    events: list[dict[str, Any]] | None = None,
    parse: dict[str, Any] | None = None,
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        **(parse or {}),
    }
    history = [*(events or []), {"event": "user", "text": text, "parse_data": message}]
    if validating:  # what the form hands its validation action: the slot just extracted
        history.append({"event": "slot", "name": "confidence_answer", "value": text})
    all_slots = {"confidence_answers": None, "confidence_unclear": False, "confidence_answer": None}
    all_slots.update(slots or {})
    if validating:
        all_slots["confidence_answer"] = text
    return Tracker(
        "web-test", all_slots, message, history, False, None, {"name": "confidence_form"}, "action_listen"
    )


async def run(action: Any, on: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, on, DOMAIN)
    return events, dispatcher.messages


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_an_answer_is_kept_and_the_form_asks_again(check: ConfidenceCheck) -> None:
    events, said = await run(
        ValidateConfidenceForm(),
        tracker("a bit", slots={"confidence_answers": {"device": 1}}, validating=True),
    )
    assert slots(events) == {
        "confidence_answers": {"device": 1, "wifi": 2},
        "confidence_unclear": False,
        "confidence_answer": None,
    }
    assert len(said) == 1 and said[0]["text"].startswith("Question 3 of 8:")


async def test_the_last_answer_fills_the_slot_so_the_form_ends(check: ConfidenceCheck) -> None:
    answers = all_answers(check, 1)
    del answers["scams"]
    events, _ = await run(
        ValidateConfidenceForm(), tracker("4", slots={"confidence_answers": answers}, validating=True)
    )
    assert slots(events)["confidence_answer"] == "4"
    assert slots(events)["confidence_answers"]["scams"] == 4


async def test_stop_ends_the_form_and_says_so() -> None:
    events, said = await run(
        ValidateConfidenceForm(),
        tracker("stop", slots={"confidence_answers": {"device": 1}}, intent="opt_out", validating=True),
    )
    assert slots(events)["requested_slot"] is None
    assert slots(events)["confidence_answers"] == {"device": 1}
    assert "stopped the check" in said[0]["text"]


async def test_an_unclear_answer_sets_the_flag_and_a_second_pauses() -> None:
    events, said = await run(ValidateConfidenceForm(), tracker("purple", validating=True))
    assert slots(events)["confidence_unclear"] is True
    assert len(said) == 1 and said[0]["text"].startswith("Sorry, I didn't understand.")
    events, said = await run(
        ValidateConfidenceForm(), tracker("purple", slots={"confidence_unclear": True}, validating=True)
    )
    assert slots(events)["requested_slot"] is None
    assert "still didn't understand" in said[0]["text"]


async def test_a_clear_request_for_something_else_makes_the_form_step_aside() -> None:
    events, said = await run(
        ValidateConfidenceForm(), tracker("/help", intent="help", confidence=1.0, validating=True)
    )
    assert [e["event"] for e in events] == ["slot", "action_execution_rejected"]
    assert events[1]["name"] == "confidence_form" and said == []


async def test_a_muddled_answer_is_not_taken_for_a_knowledge_base_question() -> None:
    events, _ = await run(
        ValidateConfidenceForm(), tracker("my grandson does the wifi", intent="faq", validating=True)
    )
    assert slots(events)["confidence_unclear"] is True


def test_every_intent_the_form_steps_aside_for_has_a_rule() -> None:
    conditioned = {
        rule["steps"][0]["intent"]
        for rule in RULES
        if rule.get("condition") == [{"active_loop": "confidence_form"}] and "intent" in rule["steps"][0]
    }
    assert conditioned == ELSEWHERE_INTENTS


async def test_with_nothing_to_validate_the_question_the_check_is_at_is_asked() -> None:
    """The form's start, or its return after an aside: one question, and a slot event for the form."""
    events, said = await run(ValidateConfidenceForm(), tracker(slots={"confidence_answers": {"device": 2}}))
    assert len(said) == 1 and said[0]["text"].startswith("Question 2 of 8:")
    assert [b["payload"] for b in said[0]["buttons"]] == ["1", "2", "3", "4"]
    assert slots(events) == {"confidence_unclear": False}
    _, said = await run(
        ValidateConfidenceForm(),
        tracker(slots={"confidence_answers": {"device": 2}, "confidence_unclear": True}),
    )
    assert said[0]["text"].startswith("Sorry, I didn't understand.")


async def test_the_last_answer_and_a_stop_ask_nothing_more(check: ConfidenceCheck) -> None:
    answers = all_answers(check, 1)
    del answers["scams"]
    _, said = await run(
        ValidateConfidenceForm(), tracker("4", slots={"confidence_answers": answers}, validating=True)
    )
    assert not any("of 8:" in m["text"] for m in said)
    _, said = await run(ValidateConfidenceForm(), tracker("stop", intent="opt_out", validating=True))
    assert len(said) == 1 and "stopped the check" in said[0]["text"]


def test_the_form_has_no_ask_action_of_its_own() -> None:
    """Else the form would ask again after the validation action asked (two calls per answer)."""
    names = {a if isinstance(a, str) else next(iter(a)) for a in DOMAIN["actions"]}
    assert not {"action_ask_confidence_answer", "utter_ask_confidence_answer"} & names
    assert "utter_ask_confidence_answer" not in (DOMAIN.get("responses") or {})


async def test_start_welcomes_back_or_begins(check: ConfidenceCheck) -> None:
    events, said = await run(
        ActionConfidenceStart(), tracker(slots={"confidence_answers": {"device": 2, "wifi": 1}})
    )
    assert "carry on from question 3 of 8" in said[0]["text"]
    assert slots(events)["confidence_answers"] == {"device": 2, "wifi": 1}
    events, said = await run(
        ActionConfidenceStart(), tracker(slots={"confidence_answers": all_answers(check, 1)})
    )
    assert "8 short questions" in said[0]["text"] and slots(events)["confidence_answers"] == {}
    assert not said[0].get("buttons"), "the first question's buttons must stay numbered 1 to 4"


@pytest.fixture
def results_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'results.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    migrate.upgrade(url)
    yield url
    get_settings.cache_clear()
    dispose_engines()
    migrate.forget(url)


async def test_the_result_is_said_kept_and_the_answers_cleared(
    check: ConfidenceCheck, results_db: str
) -> None:
    done = tracker(slots={"confidence_answers": all_answers(check, 4), "referral_code": "LIB-42"})
    events, said = await run(ActionConfidenceResult(), done)
    assert said[0]["text"].startswith("Your result: Getting started.")
    assert "beginners' drop-in" in said[1]["text"]
    assert "Find help near me" in [b["title"] for b in said[1]["buttons"]]
    assert slots(events)["confidence_answers"] is None
    with session_scope(results_db) as session:
        row = session.query(ConfidenceResult).one()
        assert (row.person, row.level, row.referral_code) == (
            results_key("web-test"),
            "Getting started",
            "LIB-42",
        )
    _, again = await run(
        ActionConfidenceResult(), tracker(slots={"confidence_answers": all_answers(check, 2)})
    )
    assert "Last time: Getting started. Now: Building confidence." in again[0]["text"]


async def test_no_result_after_a_stop(results_db: str) -> None:
    events, said = await run(ActionConfidenceResult(), tracker(slots={"confidence_answers": {"device": 1}}))
    assert said == [] and slots(events) == {"confidence_answer": None, "retake_offered": None}


async def test_on_telegram_the_result_ends_by_offering_an_invitation_in_four_weeks(
    check: ConfidenceCheck, results_db: str
) -> None:
    """A channel the bot can message later: asked once; nothing is scheduled without a yes."""
    done = tracker(slots={"confidence_answers": all_answers(check, 3)})
    done.events[-1]["input_channel"] = "telegram"
    events, said = await run(ActionConfidenceResult(), done)
    assert said[0]["text"].startswith("Your result:")
    assert said[-1]["text"].startswith("Shall I invite you to try it again in 4 weeks")
    assert "I'd send you 1 message, on " in said[-1]["text"]
    assert [b["title"] for b in said[-1]["buttons"]] == ["Yes please", "No thanks"]
    assert slots(events)["retake_offered"] is True
    _, on_web = await run(
        ActionConfidenceResult(), tracker(slots={"confidence_answers": all_answers(check, 3)})
    )
    assert not any("Shall I invite you" in m.get("text", "") for m in on_web), (
        "the web chat can't be messaged"
    )


ASKING = {"requested_slot": "confidence_answer", "confidence_answers": {"device": 1}}


async def test_a_question_during_the_check_is_answered_then_the_same_question_asked_once() -> None:
    parse = {"response_selector": {"faq": {"response": {"intent_response_key": "faq/scams"}}}}
    events, said = await run(
        ValidateConfidenceForm(),
        tracker("how do i spot a scam", intent="faq", slots=ASKING, validating=True, parse=parse),
    )
    assert "scam" in said[0]["text"].lower() and "Now, back to the check." in said[0]["text"]
    assert not said[0].get("buttons"), "the answers that follow must stay numbered 1 to 4"
    assert [m["text"].split(":")[0] for m in said[1:]] == ["Question 2 of 8"]
    assert slots(events) == {"confidence_answer": None, "confidence_unclear": False}
    assert "action_execution_rejected" not in [e["event"] for e in events]


async def test_an_answer_that_looks_like_a_question_is_still_an_answer() -> None:
    events, _ = await run(
        ValidateConfidenceForm(),
        tracker("not really?", intent="faq", slots=ASKING, validating=True, parse={}),
    )
    assert slots(events)["confidence_answers"] == {"device": 1, "wifi": 3}
