"""The confidence check through the real engine, form, action server and gateway.

Web chat residents press buttons (the payload is the answer's number); SMS residents type the
number, which the gateway maps to the button; others type their own words. Every path ends
with a level, next steps and a place to go.
"""

from __future__ import annotations

import time
import uuid

import httpx
from sqlalchemy import select

from bot.confidence.store import results_key
from bot.db.models import ConfidenceResult
from bot.db.session import session_scope
from bot.pseudonym import pseudonymise
from bot.stack import Stack
from tests.e2e.conftest import E2E_SECRET, Resident

QUESTIONS = 8
ANSWER_TITLES = ["Yes, easily", "With some help", "Not really", "Never tried"]
MENU_TITLES = {"Find help near me", "Check my confidence", "Ask a question"}


def titles(messages: list[dict]) -> list[str]:
    return [b["title"] for b in Resident.buttons(messages)]


def asked(messages: list[dict], number: int) -> bool:
    return f"Question {number} of {QUESTIONS}:" in Resident.text(messages)


def press(resident: Resident, messages: list[dict], title: str) -> list[dict]:
    """What the web chat does when a button is pressed: send its payload."""
    button = next(b for b in Resident.buttons(messages) if b["title"] == title)
    return resident.say(button["payload"])


def start(resident: Resident, words: str = "how good am I with computers") -> list[dict]:
    messages = resident.say(words)
    assert asked(messages, 1), Resident.text(messages)
    return messages


def answer_all(resident: Resident, answers: list[str], first: int = 1) -> list[dict]:
    """Type each answer (a number, as by SMS, or words); return the last reply."""
    messages: list[dict] = []
    for number, answer in enumerate(answers, start=first):
        messages = resident.say(answer)
        if number < QUESTIONS:
            assert asked(messages, number + 1), (answer, Resident.text(messages))
    return messages


def stored_results(database_url: str, resident: Resident) -> list[ConfidenceResult]:
    person = results_key(pseudonymise(E2E_SECRET, "web", resident.sender))
    with session_scope(database_url) as session:
        return list(session.scalars(select(ConfidenceResult).where(ConfidenceResult.person == person)))


def test_started_in_own_words_and_finished_with_buttons(resident: Resident, e2e_env: dict[str, str]) -> None:
    messages = start(resident)
    assert "8 short questions" in resident.text(messages)
    assert titles(messages) == ANSWER_TITLES
    assert [b["payload"] for b in resident.buttons(messages)] == ["1", "2", "3", "4"]
    for number in range(1, QUESTIONS + 1):
        messages = press(resident, messages, "With some help")
        if number < QUESTIONS:
            assert asked(messages, number + 1)
    text = resident.text(messages)
    assert "Your result: Building confidence" in text
    assert text.count("\n- ") in (2, 3), "two or three next steps"
    assert "Using a smartphone" in titles(messages), "a step opens its knowledge-base topic"
    assert {"Find help near me", "Menu"} <= set(titles(messages))
    [row] = stored_results(e2e_env["DATABASE_URL"], resident)
    assert row.level == "Building confidence" and row.total_score == 67
    assert resident.sender not in row.person


def test_sms_numbers_lead_to_getting_started_and_a_beginners_drop_in(resident: Resident) -> None:
    start(resident, "check my skills")
    messages = answer_all(resident, ["4"] * QUESTIONS)
    text = resident.text(messages)
    assert "Your result: Getting started" in text
    assert "beginners' drop-in" in text
    # The place to go: the find-help flow, by number as on SMS.
    number = titles(messages).index("Find help near me") + 1
    assert "postcode" in resident.text(resident.say(str(number)))


def test_own_words_lead_to_confident(resident: Resident) -> None:
    start(resident, "quiz me")
    words = ["yes easily", "yeah no problem", "of course", "yes", "easy", "definitely", "yep", "Yes, easily"]
    text = resident.text(answer_all(resident, words))
    assert "Your result: Confident" in text
    assert "Becoming a Digital Champion" in text


def test_mixed_words_and_numbers_are_understood(resident: Resident) -> None:
    start(resident)
    answers = ["not really", "a bit", "never tried", "2", "no", "sometimes", "I can't", "never"]
    text = resident.text(answer_all(resident, answers))
    assert "Your result: Getting started" in text


def test_an_unclear_answer_is_asked_again_then_the_check_pauses(resident: Resident) -> None:
    start(resident)
    resident.say("1")
    unclear = resident.say("purple elephant")
    text = resident.text(unclear)
    assert "didn't understand" in text and asked(unclear, 2)
    # The answers are the buttons; the text does not list them again above them (SMS numbers
    # the buttons itself: tests/e2e/test_sms.py).
    assert "1 Yes, easily" not in text and "send a number" not in text.lower()
    assert titles(unclear) == ANSWER_TITLES
    paused = resident.say("purple elephant")
    assert "still didn't understand" in resident.text(paused)
    assert {"Carry on the check", "Talk to a person", "Menu"} == set(titles(paused))
    back = press(resident, paused, "Carry on the check")
    assert "carry on from question 2" in resident.text(back) and asked(back, 2)


def test_why_is_explained_and_stop_leaves_politely_then_the_check_carries_on(resident: Resident) -> None:
    start(resident)
    answer_all(resident, ["1", "2"])
    why = resident.say("why are you asking me all this?")
    assert "right help" in resident.text(why) and asked(why, 3)
    stopped = resident.say("stop")
    assert "stopped the check" in resident.text(stopped) and "saved" in resident.text(stopped)
    assert "Carry on the check" in titles(stopped)
    assert "hello" in resident.text(resident.say("hello")).lower(), "the bot is back to normal"
    again = resident.say("can you test my computer skills")
    assert "Welcome back" in resident.text(again) and asked(again, 3)
    restarted = resident.say("start again")
    assert asked(restarted, 1)


def test_the_menu_or_a_question_during_the_check(resident: Resident) -> None:
    start(resident)
    resident.say("3")
    aside = resident.say("how do I set up an email address?")
    assert "back to the check" in resident.text(aside) and asked(aside, 2)
    assert titles(aside) == ANSWER_TITLES, "the answers stay numbered 1 to 4"
    menu = resident.say("/help")
    assert set(titles(menu)) >= MENU_TITLES
    back = press(resident, menu, "Check my confidence")
    assert asked(back, 2)
    assert "postcode" in resident.text(resident.say("/find_help")).lower()


def test_a_retake_shows_progress(resident: Resident, e2e_env: dict[str, str]) -> None:
    start(resident)
    answer_all(resident, ["4"] * QUESTIONS)
    start(resident, "i want to check my skills")
    text = resident.text(answer_all(resident, ["1"] * QUESTIONS))
    assert "Your result: Confident" in text
    assert "Last time: Getting started. Now: Confident." in text
    assert [row.level for row in stored_results(e2e_env["DATABASE_URL"], resident)] == [
        "Getting started",
        "Confident",
    ]


def test_a_known_location_gets_the_nearest_help_with_the_result(resident: Resident) -> None:
    assert "Compton Centre" in resident.text(resident.say("find help near LS9 7BG"))
    start(resident)
    messages = answer_all(resident, ["4"] * QUESTIONS)
    text = resident.text(messages)
    assert "Your result: Getting started" in text and "beginners' drop-in" in text
    assert "Compton Centre" in text


def _warm_up(gateway_url: str, deadline_seconds: float = 60) -> None:
    """A first message after a restart can be slow; another resident's turn warms the engine."""
    warm = Resident(gateway_url, f"web-warm-{uuid.uuid4().hex}")
    deadline = time.monotonic() + deadline_seconds
    while "Sorry, I'm having a problem" in warm.text(warm.say("hello")):
        assert time.monotonic() < deadline, "the engine did not warm up"
        time.sleep(1)


def test_the_check_carries_on_after_the_service_restarts(resident: Resident, stack: Stack) -> None:
    start(resident)
    answer_all(resident, ["1", "4", "2"])
    stack.restart()  # engine, action server and gateway: the gateway forgets the buttons offered
    _warm_up(stack.ports.gateway_url)
    assert httpx.get(f"{stack.ports.gateway_url}/health").status_code == 200
    resumed = resident.say("2")  # typed as by SMS: read as an answer, not as a button
    assert asked(resumed, 5), resident.text(resumed)
    text = resident.text(answer_all(resident, ["3", "3", "4", "4"], first=5))
    assert "Your result: Getting started" in text
