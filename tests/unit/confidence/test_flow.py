"""One turn of the check: answers, unclear answers, stop, start again, why, and stepping aside."""

from __future__ import annotations

from bot.confidence.content import ConfidenceCheck
from bot.confidence.flow import Outcome, take_turn
from tests.unit.confidence.conftest import all_answers


def test_an_answer_is_kept_for_the_question_asked(check: ConfidenceCheck) -> None:
    turn = take_turn(check, {"device": 1}, "2")
    assert turn.outcome is Outcome.NEXT
    assert turn.answers == {"device": 1, "wifi": 2}
    assert turn.reply is None, "the form asks the next question"


def test_the_last_answer_finishes_the_check(check: ConfidenceCheck) -> None:
    answers = all_answers(check, 1)
    del answers["scams"]
    turn = take_turn(check, answers, "never tried")
    assert turn.outcome is Outcome.DONE and turn.answers["scams"] == 4


def test_an_unclear_answer_is_asked_again_once_then_the_check_pauses(check: ConfidenceCheck) -> None:
    first = take_turn(check, {"device": 1}, "banana")
    assert first.outcome is Outcome.UNCLEAR and first.unclear and first.reply is None
    second = take_turn(check, first.answers, "banana", unclear_before=first.unclear)
    assert second.outcome is Outcome.PAUSE and second.outcome.ends_check
    assert second.reply is not None and second.reply.buttons, "a way on, never a dead end"
    assert second.answers == {"device": 1}, "the answers are kept"
    recovered = take_turn(check, first.answers, "3", unclear_before=True)
    assert recovered.outcome is Outcome.NEXT and not recovered.unclear


def test_stop_leaves_politely_and_keeps_the_answers(check: ConfidenceCheck) -> None:
    turn = take_turn(check, {"device": 1, "wifi": 2}, "stop")
    assert turn.outcome is Outcome.STOP and turn.outcome.ends_check
    assert turn.answers == {"device": 1, "wifi": 2}
    assert turn.reply is not None and "saved" in turn.reply.text
    assert "Carry on the check" in [b.title for b in turn.reply.buttons]


def test_start_again_forgets_the_answers(check: ConfidenceCheck) -> None:
    turn = take_turn(check, {"device": 1, "wifi": 2}, "can we start again")
    assert turn.outcome is Outcome.RESTART and turn.answers == {}


def test_why_is_explained_and_the_question_stays(check: ConfidenceCheck) -> None:
    turn = take_turn(check, {"device": 1}, "why are you asking me this?")
    assert turn.outcome is Outcome.WHY and turn.answers == {"device": 1}
    assert turn.reply is not None and "right help" in turn.reply.text
    assert not turn.reply.buttons, "the question's buttons must stay numbered 1 to 4"


def test_something_else_steps_aside_but_an_answer_always_wins(check: ConfidenceCheck) -> None:
    assert take_turn(check, {}, "find help near me", wants_elsewhere=True).outcome is Outcome.ELSEWHERE
    assert take_turn(check, {}, "yes with help", wants_elsewhere=True).outcome is Outcome.NEXT
    assert take_turn(check, {}, "check my confidence", wants_check=True).outcome is Outcome.CARRY_ON
