"""Sessions from CSV: one row per session, tied to a venue by its name (and postcode if shared).

Columns (`SESSION_COLUMNS`): `venue,title,recurrence,start_time` are needed; `day` for
weekly and monthly sessions, `week_of_month` (1-4 or last) for monthly, `date` for
fortnightly (the first date) and one-off sessions. Times are London wall-clock times.
A row updates the session with the same venue, title, day, date and start time; `replace=True`
removes the sessions not in the file. Nothing is written unless every row is valid.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import cast

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from bot.db.models import HelpSession, Recurrence, Venue
from bot.venues import fields
from bot.venues.csvio import (
    ImportReport,
    RowChecker,
    RowError,
    Source,
    changes,
    checked_rows,
    fail_on,
    read_rows,
)
from bot.venues.timing import Timing, check_timing
from bot.venues.venue_csv import venue_key

# How rows match sessions: venue, title in any case, weekday, start date, start time.
SessionKey = tuple[object, str, object, object, object]

REQUIRED_COLUMNS = ("venue", "title", "recurrence", "start_time")
SESSION_COLUMNS = (
    "venue",
    "venue_postcode",
    "title",
    "description",
    "network",
    "recurrence",
    "day",
    "week_of_month",
    "date",
    "end_date",
    "start_time",
    "end_time",
    "booking_required",
    "cost",
    "contact",
    "active",
    "last_verified",
    "sample",
)


@dataclass
class SessionRow:
    row: int
    values: dict[str, object]

    @property
    def key(self) -> SessionKey:
        v = self.values
        return session_key(v["venue_id"], str(v["title"]), v["weekday"], v["start_date"], v["start_time"])


def session_key(
    venue_id: object, title: str, weekday: object, start_date: object, start_time: object
) -> SessionKey:
    return (venue_id, " ".join(title.split()).casefold(), weekday, start_date, start_time)


class _Venues:
    """Finds a venue by name, or by name and postcode when several venues share the name."""

    def __init__(self, session: Session) -> None:
        self.by_key: dict[tuple[str, str], int] = {}
        self.by_name: dict[str, list[int]] = {}
        for id_, name, postcode in session.execute(select(Venue.id, Venue.name, Venue.postcode)):
            key = venue_key(name, postcode)
            self.by_key[key] = id_
            self.by_name.setdefault(key[0], []).append(id_)

    def find(self, name: str, postcode: str | None) -> int:
        if postcode:
            key = venue_key(name, " ".join(postcode.upper().split()))
            if key in self.by_key:
                return self.by_key[key]
            raise ValueError(f"no venue called '{name}' at {postcode}")
        matches = self.by_name.get(venue_key(name, None)[0], [])
        if not matches:
            raise ValueError(f"no venue called '{name}' (import the venues first)")
        if len(matches) > 1:
            raise ValueError(f"several venues are called '{name}': add venue_postcode")
        return matches[0]


def _check_timing(row: RowChecker, values: dict[str, object]) -> None:
    """The fields each kind of recurrence needs, and that they agree (see bot.venues.timing)."""
    timing = check_timing(
        Timing(
            recurrence=cast(Recurrence, values["recurrence"]),
            weekday=cast(int | None, values["weekday"]),
            week_of_month=cast(int | None, values["week_of_month"]),
            start_date=cast(date | None, values["start_date"]),
            end_date=cast(date | None, values["end_date"]),
            start_time=cast(time, values["start_time"]),
            end_time=cast(time | None, values["end_time"]),
        )
    )
    for _field, problem in timing.problems:
        row.fail(problem)
    values["weekday"] = timing.weekday


def _parse(number: int, raw: dict[str, str], venues: _Venues, errors: list[RowError]) -> SessionRow | None:
    row = RowChecker(number, errors)
    title = row.check(fields.text, raw.get("title"), limit=200, field="title")
    if not title:
        row.fail("title is empty")
    venue_name = (raw.get("venue") or "").strip()
    venue_id = row.check(venues.find, venue_name, (raw.get("venue_postcode") or "").strip() or None)
    start_time = row.check(fields.a_time, raw.get("start_time"), field="start_time")
    if start_time is None and not (raw.get("start_time") or "").strip():
        row.fail("start_time is empty")
    values: dict[str, object] = {
        "venue_id": venue_id,
        "title": title,
        "description": row.check(fields.text, raw.get("description"), limit=2000, field="description"),
        "network": row.check(fields.network, raw.get("network")),
        "recurrence": row.check(fields.recurrence, raw.get("recurrence")),
        "weekday": row.check(fields.weekday, raw.get("day")),
        "week_of_month": row.check(fields.week_of_month, raw.get("week_of_month")),
        "start_date": row.check(fields.a_date, raw.get("date"), field="date"),
        "end_date": row.check(fields.a_date, raw.get("end_date"), field="end_date"),
        "start_time": start_time,
        "end_time": row.check(fields.a_time, raw.get("end_time"), field="end_time"),
        "booking_required": row.check(
            fields.boolean, raw.get("booking_required"), default=False, field="booking_required"
        ),
        "cost": row.check(fields.text, raw.get("cost"), limit=100, field="cost"),
        "contact": row.check(fields.text, raw.get("contact"), limit=300, field="contact"),
        "active": row.check(fields.boolean, raw.get("active"), default=True, field="active"),
        "last_verified": row.check(fields.a_date, raw.get("last_verified"), field="last_verified"),
        "is_sample": row.check(fields.boolean, raw.get("sample"), default=False, field="sample"),
    }
    if row.failed:
        return None
    _check_timing(row, values)
    return None if row.failed else SessionRow(number, values)


def import_sessions(session: Session, source: Source, *, replace: bool = False) -> ImportReport:
    """Add or update the sessions in `source`; with `replace`, also remove the sessions not in it."""
    venues = _Venues(session)
    errors: list[RowError] = []
    rows = checked_rows(
        read_rows(source, required=REQUIRED_COLUMNS, known=SESSION_COLUMNS),
        lambda number, raw: _parse(number, raw, venues, errors),
        errors,
        same="same venue, title, day and time",
    )
    fail_on(errors)

    existing: dict[Hashable, int] = {
        session_key(venue_id, title, weekday, start_date, start_time): id_
        for id_, venue_id, title, weekday, start_date, start_time in session.execute(
            select(
                HelpSession.id,
                HelpSession.venue_id,
                HelpSession.title,
                HelpSession.weekday,
                HelpSession.start_date,
                HelpSession.start_time,
            )
        )
    }
    plan = changes(rows, existing, replace=replace)
    now = datetime.now(UTC)
    if plan.new:
        session.execute(insert(HelpSession), [row.values for row in plan.new])
    if plan.changed:
        updates = [{**row.values, "id": id_, "updated_at": now} for row, id_ in plan.changed]
        session.execute(update(HelpSession), updates)
    if plan.gone:
        session.execute(delete(HelpSession).where(HelpSession.id.in_(plan.gone)))
    session.flush()
    session.expire_all()
    return plan.report()
