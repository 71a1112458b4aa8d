"""Everything the check says is short, plain, SMS-friendly, and never a dead end."""

from __future__ import annotations

import pytest

from bot.confidence import wording
from bot.confidence.content import SMS_LIMIT, ConfidenceCheck
from bot.confidence.scoring import score
from bot.replies import Reply
from tests.readability import SMS_ANSWER_LIMIT, readability_problem
from tests.unit.confidence.conftest import all_answers


def every_reply(check: ConfidenceCheck, titles: dict[str, str]) -> dict[str, Reply]:
    said = {
        "introduction": wording.introduction(check, 0),
        "welcome back": wording.introduction(check, 3),
        "why": wording.why_we_ask(),
        "carry on": wording.carry_on(),
        "start again": wording.start_again(),
        "stopped": wording.stopped(2),
        "stopped at once": wording.stopped(0),
        "paused": wording.paused(),
    }
    for question in check.questions:
        said[f"question {question.id}"] = wording.question(check, question)
        said[f"question {question.id} again"] = wording.question_again(check, question)
    for option in (1, 2, 3, 4):
        result = score(check, all_answers(check, option))
        for name, progress in (("first", None), ("retake", "Last time: Getting started. Now: Confident.")):
            for number, reply in enumerate(wording.result_replies(result, titles, progress)):
                said[f"result {result.level.name} {name} {number}"] = reply
    return said


def test_every_text_is_short_and_plain(check: ConfidenceCheck, titles: dict[str, str]) -> None:
    replies = every_reply(check, titles)
    assert {"introduction", "why", "stopped"} <= replies.keys()
    for name, reply in replies.items():
        assert len(reply.text) <= SMS_ANSWER_LIMIT, (name, len(reply.text))
        assert readability_problem(reply.text) is None, (name, readability_problem(reply.text))


def test_level_descriptions_and_session_offers_are_plain(check: ConfidenceCheck) -> None:
    assert len(check.levels) >= 3
    for level in check.levels:
        for text in (f"Your result: {level.name}. {level.says}", level.session):
            assert readability_problem(text) is None, readability_problem(text)


def test_questions_offer_the_four_answers_as_plain_text_payloads(check: ConfidenceCheck) -> None:
    reply = wording.question(check, check.questions[1])
    assert reply.text == "Question 2 of 8: Can you connect a phone or tablet to Wi-Fi on your own?"
    assert [(b.title, b.payload) for b in reply.buttons] == [
        ("Yes, easily", "1"),
        ("With some help", "2"),
        ("Not really", "3"),
        ("Never tried", "4"),
    ]
    assert all("{" not in b.payload and not b.payload.startswith("/") for b in reply.buttons)


def test_asked_again_the_answers_are_the_buttons_not_a_numbered_list_in_the_text(
    check: ConfidenceCheck,
) -> None:
    reply = wording.question_again(check, check.questions[0])
    assert reply.text.startswith("Sorry, I didn't understand. Please choose the answer closest to yours.")
    # The answers are the buttons; each channel shows them its own way (SMS numbers them), so
    # the text does not list them as well (it did, above the web chat's buttons).
    assert "1 Yes, easily" not in reply.text and "send a number" not in reply.text.lower()
    assert [b.title for b in reply.buttons] == ["Yes, easily", "With some help", "Not really", "Never tried"]


@pytest.mark.parametrize("option", [1, 2, 3, 4])
def test_a_result_names_the_level_gives_steps_and_a_place_to_go(
    check: ConfidenceCheck, titles: dict[str, str], option: int
) -> None:
    result = score(check, all_answers(check, option))
    summary, steps = wording.result_replies(result, titles, None)
    assert summary.text.startswith(f"Your result: {result.level.name}. ")
    assert 2 <= steps.text.count("\n- ") <= 3
    buttons = [b.title for b in steps.buttons]
    assert buttons[-2:] == ["Find help near me", "Menu"]
    assert buttons[:-2] == [titles[s.topic] for s in result.next_steps], "each step opens its topic"
    if result.level.name == "Getting started":
        assert "beginners' drop-in" in steps.text


def test_a_known_location_shows_the_nearest_help_instead_of_the_button(
    check: ConfidenceCheck, titles: dict[str, str]
) -> None:
    nearby = Reply("1. Compton Centre, 0.3 miles", ())
    said = wording.result_replies(score(check, all_answers(check, 4)), titles, None, nearby)
    assert said[-1] is nearby
    assert "Find help near me" not in [b.title for b in said[1].buttons]


def test_questions_fit_an_sms_as_sent(check: ConfidenceCheck) -> None:
    assert len(check.questions) == 8
    for question in check.questions:
        reply = wording.question(check, question)
        rendered = reply.text + "\n" + "\n".join(f"{n} {b.title}" for n, b in enumerate(reply.buttons, 1))
        assert len(rendered) <= SMS_LIMIT, rendered
