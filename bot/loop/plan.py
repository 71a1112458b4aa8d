"""Which messages a reminder means, and when: decided once, said to the resident, then scheduled.

- "reminder": the day before at 10:00 London time (correct across the clock changes);
- "reminder_soon": a couple of hours before, when asked for, or when the day-before one is
  already past (asked the evening before, or on the day);
- "followup": the day after at 11:00, to ask how it went.
Nothing is planned in the quiet hours (21:00 to 09:00; `QuietHours` moves a time to 09:00),
nothing after it is useful (a reminder after the start), nothing in the past.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.outbound.quiet import QuietHours, as_utc

REMINDER = "reminder"
REMINDER_SOON = "reminder_soon"
FOLLOWUP = "followup"
RETAKE_INVITE = "retake_invite"

DAY_BEFORE_AT = time(10, 0)
FOLLOWUP_AT = time(11, 0)
SOON_BEFORE = timedelta(hours=2)
# A reminder must arrive at least this long before the start to be of use.
LAST_USEFUL = timedelta(minutes=30)
FOLLOWUP_USEFUL = timedelta(days=3)
RETAKE_AFTER = timedelta(weeks=4)
RETAKE_USEFUL = timedelta(weeks=2)


@dataclass(frozen=True)
class Planned:
    kind: str
    due_at: datetime  # aware UTC, outside the quiet hours
    expires_at: datetime


def _usable(
    kind: str, wanted: datetime, expires: datetime, now: datetime, quiet: QuietHours
) -> Planned | None:
    due = quiet.next_allowed(max(wanted, now))
    return Planned(kind, due, expires) if due < expires else None


def plan_messages(
    starts_at: datetime, ends_at: datetime | None, now: datetime, quiet: QuietHours, *, soon: bool = False
) -> list[Planned]:
    """The reminder(s) and the follow-up for one occurrence, in time order ([] if it has passed)."""
    starts, now = as_utc(starts_at), as_utc(now)
    if starts <= now:
        return []
    start_day = quiet.local_day(starts)
    useful_until = starts - LAST_USEFUL
    planned: list[Planned] = []
    day_before = quiet.at(start_day - timedelta(days=1), DAY_BEFORE_AT)
    if day_before > now:
        planned.append(Planned(REMINDER, quiet.next_allowed(day_before), useful_until))
    if soon or not planned:
        closer = _usable(REMINDER_SOON, starts - SOON_BEFORE, useful_until, now, quiet)
        if closer is not None and (not planned or closer.due_at > planned[0].due_at):
            planned.append(closer)
    ended = as_utc(ends_at) if ends_at is not None else starts + timedelta(hours=1)
    followup = quiet.at(quiet.local_day(ended) + timedelta(days=1), FOLLOWUP_AT)
    planned.append(Planned(FOLLOWUP, quiet.next_allowed(followup), followup + FOLLOWUP_USEFUL))
    return planned


@dataclass(frozen=True)
class SoonChoice:
    """Whether the optional reminder on the day can be offered, and when it would go.

    `planned` is None when it cannot (two hours before is in the quiet hours and 9am is too
    close to the start, or the session is too soon); `moved` when two hours before is in the
    quiet hours, so it would go at the end of them (said to the resident, never hidden)."""

    planned: Planned | None
    moved: bool


def soon_choice(starts_at: datetime, now: datetime, quiet: QuietHours) -> SoonChoice:
    """The reminder a couple of hours before, as an option: where it would fall, honestly."""
    starts, now = as_utc(starts_at), as_utc(now)
    wanted = starts - SOON_BEFORE
    planned = _usable(REMINDER_SOON, wanted, starts - LAST_USEFUL, now, quiet) if starts > now else None
    return SoonChoice(planned, quiet.is_quiet(wanted))


def soon_included(planned: list[Planned]) -> bool:
    return any(item.kind == REMINDER_SOON for item in planned)


def plan_retake(checked_at: datetime, quiet: QuietHours) -> Planned:
    """The invitation to retake the confidence check, four weeks on, at 11:00."""
    day = quiet.local_day(as_utc(checked_at) + RETAKE_AFTER)
    due = quiet.next_allowed(quiet.at(day, FOLLOWUP_AT))
    return Planned(RETAKE_INVITE, due, due + RETAKE_USEFUL)


def clock_text(moment: datetime | time) -> str:
    """ "10am", "12:30pm"."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def when_text(moment: datetime, quiet: QuietHours) -> str:
    """ "Monday 7 December at 10am", in London time."""
    local = as_utc(moment).astimezone(quiet.zone)
    return f"{local:%A} {local.day} {local:%B} at {clock_text(local)}"


PURPOSE = {
    REMINDER: "the day before",
    REMINDER_SOON: "a couple of hours before",
    FOLLOWUP: "to ask how it went",
}


def purpose(item: Planned, starts_at: datetime | None) -> str:
    """ "a couple of hours before", or "on the day" when the quiet hours moved it later."""
    if item.kind == REMINDER_SOON and starts_at is not None and as_utc(starts_at) - item.due_at < SOON_BEFORE:
        return "on the day"
    return PURPOSE[item.kind]


def describe_plan(planned: list[Planned], quiet: QuietHours, starts_at: datetime | None = None) -> str:
    """ "2 messages: a reminder the day before (Monday 7 December at 10am), and one to ask how it
    went (Wednesday 9 December at 11am)". What the resident agrees to, exactly."""
    parts = []
    for item in planned:
        what = "one" if item.kind == FOLLOWUP else "a reminder"
        parts.append(f"{what} {purpose(item, starts_at)} ({when_text(item.due_at, quiet)})")
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f", and {parts[-1]}"
    count = len(planned)
    return f"{count} message{'s' if count != 1 else ''}: {listed}"
