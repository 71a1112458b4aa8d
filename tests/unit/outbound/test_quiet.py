from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.outbound import QuietHours

QUIET = QuietHours(21, 9, "Europe/London")


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        # Winter (GMT): local = UTC.
        (utc(2026, 12, 8, 10, 0), utc(2026, 12, 8, 10, 0)),
        (utc(2026, 12, 8, 20, 59), utc(2026, 12, 8, 20, 59)),
        (utc(2026, 12, 8, 21, 0), utc(2026, 12, 9, 9, 0)),
        (utc(2026, 12, 9, 3, 0), utc(2026, 12, 9, 9, 0)),
        # Summer (BST): 09:00 local is 08:00 UTC, 21:00 local is 20:00 UTC.
        (utc(2026, 7, 1, 7, 30), utc(2026, 7, 1, 8, 0)),
        (utc(2026, 7, 1, 20, 0), utc(2026, 7, 2, 8, 0)),
        (utc(2026, 7, 1, 19, 59), utc(2026, 7, 1, 19, 59)),
        # The night the clocks go forward (29 March 2026, 01:00 UTC): morning is BST.
        (utc(2026, 3, 28, 22, 0), utc(2026, 3, 29, 8, 0)),
        # The night they go back (25 October 2026, 01:00 UTC): morning is GMT.
        (utc(2026, 10, 24, 21, 0), utc(2026, 10, 25, 9, 0)),
    ],
)
def test_messages_are_moved_out_of_the_night_on_the_wall_clock(when: datetime, expected: datetime) -> None:
    assert QUIET.next_allowed(when) == expected


def test_a_naive_time_is_taken_as_utc() -> None:
    assert QUIET.next_allowed(datetime(2026, 12, 8, 22, 0)) == utc(2026, 12, 9, 9, 0)


def test_ten_in_the_morning_is_ten_on_the_wall_clock_in_summer_and_winter() -> None:
    assert QUIET.at(date(2026, 7, 1), time(10)) == utc(2026, 7, 1, 9, 0)
    assert QUIET.at(date(2026, 12, 8), time(10)) == utc(2026, 12, 8, 10, 0)


def test_daytime_quiet_hours_and_none() -> None:
    lunch = QuietHours(12, 13, "Europe/London")
    assert lunch.next_allowed(utc(2026, 12, 8, 12, 30)) == utc(2026, 12, 8, 13, 0)
    assert lunch.next_allowed(utc(2026, 12, 8, 22, 0)) == utc(2026, 12, 8, 22, 0)
    assert not QuietHours(0, 0).is_quiet(utc(2026, 12, 8, 3, 0))
    with pytest.raises(ValueError):
        QuietHours(25, 9)
