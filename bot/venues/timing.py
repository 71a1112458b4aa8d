"""When a session happens: the fields each kind of recurrence needs, and that they agree.

Shared by the CSV import and the admin's session form, so a session that one accepts the other
accepts too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from bot.db.models import Recurrence
from bot.venues import fields


@dataclass
class Timing:
    recurrence: Recurrence
    weekday: int | None
    week_of_month: int | None
    start_date: date | None
    end_date: date | None
    start_time: time
    end_time: time | None
    # (the field the problem is about, what is wrong), in plain English.
    problems: list[tuple[str, str]] = field(default_factory=list)


def check_timing(timing: Timing) -> Timing:
    """Fill `problems` (plain English); for fortnightly and one-off sessions, set the weekday."""
    kind, day, start = timing.recurrence, timing.weekday, timing.start_date

    def fail(field: str, message: str) -> None:
        timing.problems.append((field, message))

    if kind in (Recurrence.WEEKLY, Recurrence.MONTHLY) and day is None:
        fail("weekday", f"a {kind.value} session needs a day")
    if kind is Recurrence.MONTHLY and timing.week_of_month is None:
        fail("week_of_month", "a monthly session needs week_of_month (1, 2, 3, 4 or last)")
    if kind in (Recurrence.FORTNIGHTLY, Recurrence.ONCE):
        if start is None:
            which = "one-off" if kind is Recurrence.ONCE else "fortnightly"
            fail("start_date", f"a {which} session needs a date")
        elif day is not None and day != start.weekday():
            named = fields.DAYS[start.weekday()].title()
            fail("start_date", f"{start:%d/%m/%Y} is a {named}, not the day given")
        else:
            timing.weekday = start.weekday()
    if timing.end_time is not None and timing.end_time <= timing.start_time:
        fail("end_time", "end_time is not after start_time")
    if timing.end_date is not None and start is not None and timing.end_date < start:
        fail("end_date", "end_date is before the date")
    return timing
