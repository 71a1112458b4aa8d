from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.db.models import Recurrence
from bot.venues.schedule import LONDON, Rule, next_occurrence

# Wednesday 26 November 2025, 09:00 in London (GMT).
WEDNESDAY_9AM = datetime(2025, 11, 26, 9, 0, tzinfo=LONDON)


def weekly(day: int, start: time = time(10), end: time | None = time(12), **more: object) -> Rule:
    return Rule(Recurrence.WEEKLY, start, end, weekday=day, **more)  # type: ignore[arg-type]


def test_a_weekly_session_later_today_is_today() -> None:
    found = next_occurrence(weekly(2), WEDNESDAY_9AM)
    assert found is not None and found.starts_at == datetime(2025, 11, 26, 10, tzinfo=LONDON)
    assert found.ends_at == datetime(2025, 11, 26, 12, tzinfo=LONDON)


def test_a_session_in_progress_still_counts_and_an_ended_one_moves_on() -> None:
    during = next_occurrence(weekly(2), WEDNESDAY_9AM.replace(hour=11))
    assert during is not None and during.starts_at.date() == date(2025, 11, 26)
    after = next_occurrence(weekly(2), WEDNESDAY_9AM.replace(hour=12, minute=1))
    assert after is not None and after.starts_at.date() == date(2025, 12, 3)
    # Without an end time a session is taken to last an hour.
    assert next_occurrence(weekly(2, end=None), WEDNESDAY_9AM.replace(hour=10, minute=59)).starts_at.day == 26  # type: ignore[union-attr]
    assert next_occurrence(weekly(2, end=None), WEDNESDAY_9AM.replace(hour=11, minute=1)).starts_at.day == 3  # type: ignore[union-attr]


def test_fortnightly_sessions_count_from_their_first_date() -> None:
    rule = Rule(Recurrence.FORTNIGHTLY, time(14), start_date=date(2025, 11, 6))  # a Thursday
    assert next_occurrence(rule, WEDNESDAY_9AM).starts_at.date() == date(2025, 12, 4)  # type: ignore[union-attr]
    future = Rule(Recurrence.FORTNIGHTLY, time(14), start_date=date(2026, 1, 8))
    assert next_occurrence(future, WEDNESDAY_9AM).starts_at.date() == date(2026, 1, 8)  # type: ignore[union-attr]


def test_monthly_sessions_fall_on_the_nth_or_last_weekday() -> None:
    first_tuesday = Rule(Recurrence.MONTHLY, time(14), weekday=1, week_of_month=1)
    assert next_occurrence(first_tuesday, WEDNESDAY_9AM).starts_at.date() == date(2025, 12, 2)  # type: ignore[union-attr]
    last_wednesday = Rule(Recurrence.MONTHLY, time(10, 30), weekday=2, week_of_month=-1)
    assert next_occurrence(last_wednesday, WEDNESDAY_9AM).starts_at.date() == date(2025, 11, 26)  # type: ignore[union-attr]
    fourth_friday = Rule(Recurrence.MONTHLY, time(10), weekday=4, week_of_month=4)
    assert next_occurrence(fourth_friday, WEDNESDAY_9AM).starts_at.date() == date(2025, 11, 28)  # type: ignore[union-attr]


def test_one_off_and_finished_sessions() -> None:
    once = Rule(Recurrence.ONCE, time(18), start_date=date(2025, 12, 10))
    assert next_occurrence(once, WEDNESDAY_9AM).starts_at.date() == date(2025, 12, 10)  # type: ignore[union-attr]
    assert next_occurrence(once, datetime(2025, 12, 11, tzinfo=UTC)) is None
    ended = weekly(2, end_date=date(2025, 11, 30))
    assert next_occurrence(ended, WEDNESDAY_9AM.replace(hour=13)) is None
    not_started = weekly(2, start_date=date(2026, 1, 1))
    assert next_occurrence(not_started, WEDNESDAY_9AM).starts_at.date() == date(2026, 1, 7)  # type: ignore[union-attr]


def test_times_are_london_wall_clock_across_the_clock_change() -> None:
    summer = next_occurrence(weekly(2), datetime(2025, 7, 1, tzinfo=UTC))
    winter = next_occurrence(weekly(2), datetime(2025, 12, 1, tzinfo=UTC))
    assert summer is not None and summer.starts_at.astimezone(UTC).hour == 9
    assert winter is not None and winter.starts_at.astimezone(UTC).hour == 10


@given(
    now=st.datetimes(datetime(2024, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC)),
    day=st.integers(0, 6),
    nth=st.sampled_from([1, 2, 3, 4, -1]),
    kind=st.sampled_from([Recurrence.WEEKLY, Recurrence.MONTHLY]),
)
def test_the_next_occurrence_is_on_the_right_day_and_not_over(
    now: datetime, day: int, nth: int, kind: Recurrence
) -> None:
    rule = Rule(kind, time(10), time(12), weekday=day, week_of_month=nth)
    found = next_occurrence(rule, now)
    assert found is not None and found.ends_at is not None
    assert found.starts_at.weekday() == day
    assert found.ends_at > now
    assert found.starts_at - now < timedelta(days=7 if kind is Recurrence.WEEKLY else 36)
