"""Call backs in the reports: requests, waits and outcomes per week and per organisation.

Counts only: no number, name, topic text or conversation leaves this module. The wait is from
the request to the first call (answered or not), in hours, as a median per row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import CallbackOutcome, CallbackRequest, CallbackStatus, Organisation
from bot.outbound.quiet import as_utc

OUTCOME_LABELS = {
    CallbackOutcome.HELPED.value: "Helped",
    CallbackOutcome.REFERRED.value: "Referred to a session",
    CallbackOutcome.NO_ANSWER.value: "No answer",
    CallbackOutcome.NOT_NEEDED.value: "Not needed",
    "cancelled": "Cancelled by the resident",
    "open": "Still open",
}
UNASSIGNED = "(not assigned)"


@dataclass
class CallbackRow:
    week: date
    organisation: str
    requests: int = 0
    priority: int = 0
    called: int = 0
    waits: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOME_LABELS, 0))

    @property
    def median_wait_hours(self) -> float | None:
        return round(median(self.waits), 1) if self.waits else None


def _outcome(request: CallbackRequest) -> str:
    if request.status == CallbackStatus.CANCELLED.value:
        return "cancelled"
    if request.status == CallbackStatus.DONE.value and request.outcome:
        return request.outcome
    return "open"


def callback_rows(
    session: Session, first_week: date, last_day: date, timezone: str = "Europe/London"
) -> list[CallbackRow]:
    """One row per week (Monday) and organisation that had requests, in order."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first_week, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    names = dict(session.execute(select(Organisation.id, Organisation.name)).tuples().all())
    rows: dict[tuple[date, str], CallbackRow] = {}
    found = session.scalars(
        select(CallbackRequest).where(CallbackRequest.created_at >= start, CallbackRequest.created_at < end)
    )
    for request in found:
        local = as_utc(request.created_at).astimezone(zone).date()
        week = local - timedelta(days=local.weekday())
        organisation = (
            names.get(request.organisation_id, UNASSIGNED) if request.organisation_id else UNASSIGNED
        )
        row = rows.setdefault((week, organisation), CallbackRow(week, organisation))
        row.requests += 1
        row.priority += int(request.priority)
        if request.first_called_at is not None:
            row.called += 1
            wait = as_utc(request.first_called_at) - as_utc(request.created_at)
            row.waits.append(wait.total_seconds() / 3600)
        row.outcomes[_outcome(request)] += 1
    return [rows[key] for key in sorted(rows)]


def totals(rows: list[CallbackRow]) -> dict[str, int]:
    counted: dict[str, int] = defaultdict(int)
    for row in rows:
        for key, count in row.outcomes.items():
            counted[key] += count
    return {OUTCOME_LABELS[key]: counted[key] for key in OUTCOME_LABELS}


def csv_table(rows: list[CallbackRow]) -> tuple[list[str], list[list[object]]]:
    header = ["week_beginning", "organisation", "requests", "priority", "called", "median_wait_hours"]
    header += [f"outcome_{key}" for key in OUTCOME_LABELS]
    table: list[list[object]] = [
        [
            row.week.isoformat(),
            row.organisation,
            row.requests,
            row.priority,
            row.called,
            "" if row.median_wait_hours is None else row.median_wait_hours,
            *(row.outcomes[key] for key in OUTCOME_LABELS),
        ]
        for row in rows
    ]
    return header, table
