"""Which messages a reminder means, and when: civil hours, clock changes, nothing useless."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.loop.plan import FOLLOWUP, REMINDER, REMINDER_SOON, describe_plan, plan_messages, plan_retake
from bot.outbound import QuietHours

LONDON = ZoneInfo("Europe/London")
QUIET = QuietHours(21, 9, "Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_a_reminder_the_day_before_at_ten_and_a_follow_up_the_next_day_at_eleven() -> None:
    planned = plan_messages(london(2026, 12, 8, 10), None, london(2026, 12, 3, 12), QUIET)
    assert [item.kind for item in planned] == [REMINDER, FOLLOWUP]
    assert planned[0].due_at == london(2026, 12, 7, 10).astimezone(UTC)
    assert planned[1].due_at == london(2026, 12, 9, 11).astimezone(UTC)
    assert planned[0].expires_at < london(2026, 12, 8, 10).astimezone(UTC)


@pytest.mark.parametrize(
    ("session_day", "utc_hour"),
    [((2026, 3, 30), 9), ((2026, 3, 29), 10), ((2026, 10, 26), 10), ((2026, 10, 25), 9)],
)
def test_ten_oclock_stays_ten_oclock_across_the_clock_changes(
    session_day: tuple[int, int, int], utc_hour: int
) -> None:
    """The clocks go forward on 29 March 2026 and back on 25 October 2026."""
    planned = plan_messages(london(*session_day, 14), None, london(2026, 3, 1, 12), QUIET)
    reminder = planned[0]
    assert reminder.due_at.astimezone(LONDON).hour == 10
    assert reminder.due_at.hour == utc_hour


def test_asked_the_evening_before_gets_one_a_couple_of_hours_before_instead() -> None:
    planned = plan_messages(london(2026, 12, 8, 14), None, london(2026, 12, 7, 19), QUIET)
    assert [item.kind for item in planned] == [REMINDER_SOON, FOLLOWUP]
    assert planned[0].due_at == london(2026, 12, 8, 12).astimezone(UTC)


def test_an_early_session_moves_the_soon_reminder_out_of_the_night_or_drops_it() -> None:
    at_ten = plan_messages(london(2026, 12, 8, 10), None, london(2026, 12, 7, 22), QUIET)
    assert at_ten[0].kind == REMINDER_SOON
    assert at_ten[0].due_at == london(2026, 12, 8, 9).astimezone(UTC)
    at_nine = plan_messages(london(2026, 12, 8, 9, 15), None, london(2026, 12, 7, 22), QUIET)
    assert [item.kind for item in at_nine] == [FOLLOWUP]


def test_nothing_is_ever_due_between_nine_at_night_and_nine_in_the_morning() -> None:
    for hour in range(24):
        for planned in plan_messages(
            london(2026, 12, 8, hour), None, london(2026, 12, 1, 12), QUIET, soon=True
        ):
            local = planned.due_at.astimezone(LONDON)
            assert 9 <= local.hour < 21, (hour, planned)


def test_a_session_that_has_started_plans_nothing() -> None:
    assert plan_messages(london(2026, 12, 8, 10), None, london(2026, 12, 8, 10, 5), QUIET) == []


def test_the_resident_is_told_exactly_what_and_when() -> None:
    planned = plan_messages(london(2026, 12, 8, 10), None, london(2026, 12, 3, 12), QUIET)
    assert describe_plan(planned, QUIET) == (
        "2 messages: a reminder the day before (Monday 7 December at 10am), "
        "and one to ask how it went (Wednesday 9 December at 11am)"
    )


def test_the_retake_invitation_is_four_weeks_on_at_eleven() -> None:
    invite = plan_retake(london(2026, 12, 3, 22), QUIET)
    assert invite.due_at == london(2026, 12, 31, 11).astimezone(UTC)
