"""When does a session next happen? Weekly, fortnightly, monthly or one-off, in Europe/London.

Sessions are stored as wall-clock times in London, so "Tuesday 10am" stays 10am across the
clock changes; the answer is an aware datetime. A session that has started but not ended
counts as the next one ("on now"), so a resident is not sent away from a session in progress.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.db.models import Recurrence

LONDON = ZoneInfo("Europe/London")
# How long a session without an end time is assumed to last when deciding if it is over.
DEFAULT_LENGTH = timedelta(hours=1)
# No rule needs more than this to find its next date (a monthly one: at most about 5 weeks).
_HORIZON_DAYS = 400


@dataclass(frozen=True)
class Rule:
    """The timing fields of a session (a `HelpSession` row has them all)."""

    recurrence: Recurrence
    start_time: time
    end_time: time | None = None
    weekday: int | None = None
    week_of_month: int | None = None
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class Occurrence:
    starts_at: datetime
    ends_at: datetime | None


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The nth (1-4, or -1 for last) given weekday of a month."""
    if nth == -1:
        following = date(year + (month == 12), month % 12 + 1, 1)
        last = following - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return day if day.month == month else None


def _dates_from(rule: Rule, day: date) -> Iterator[date]:
    """The session's dates on or after `day`, in order (bounded by the horizon)."""
    last = day + timedelta(days=_HORIZON_DAYS)
    if rule.recurrence is Recurrence.ONCE:
        if rule.start_date is not None and rule.start_date >= day:
            yield rule.start_date
        return
    if rule.recurrence is Recurrence.FORTNIGHTLY:
        if rule.start_date is None:
            return
        anchor = rule.start_date
        if anchor < day:
            anchor += timedelta(days=14 * -(-(day - anchor).days // 14))
        while anchor <= last:
            yield anchor
            anchor += timedelta(days=14)
        return
    if rule.weekday is None:
        return
    if rule.recurrence is Recurrence.WEEKLY:
        current = day + timedelta(days=(rule.weekday - day.weekday()) % 7)
        while current <= last:
            yield current
            current += timedelta(days=7)
        return
    if rule.week_of_month is None:
        return
    year, month = day.year, day.month
    while date(year, month, 1) <= last:
        candidate = _nth_weekday(year, month, rule.weekday, rule.week_of_month)
        if candidate is not None and candidate >= day:
            yield candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def next_occurrence(rule: Rule, now: datetime) -> Occurrence | None:
    """The first occurrence that has not yet ended at `now` (aware), or None if there is none."""
    local_now = now.astimezone(LONDON)
    first_day = local_now.date()
    if rule.start_date is not None and rule.recurrence is not Recurrence.FORTNIGHTLY:
        first_day = max(first_day, rule.start_date)
    for day in _dates_from(rule, first_day):
        if rule.end_date is not None and day > rule.end_date:
            return None
        starts = datetime.combine(day, rule.start_time, LONDON)
        ends = datetime.combine(day, rule.end_time, LONDON) if rule.end_time else None
        if (ends or starts + DEFAULT_LENGTH) > local_now:
            return Occurrence(starts, ends)
    return None


class Timed(Protocol):
    """Anything with a session's timing fields, such as a `HelpSession` row."""

    recurrence: Recurrence
    start_time: time
    end_time: time | None
    weekday: int | None
    week_of_month: int | None
    start_date: date | None
    end_date: date | None


def rule_of(session: Timed) -> Rule:
    return Rule(
        recurrence=session.recurrence,
        start_time=session.start_time,
        end_time=session.end_time,
        weekday=session.weekday,
        week_of_month=session.week_of_month,
        start_date=session.start_date,
        end_date=session.end_date,
    )
