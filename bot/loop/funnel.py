"""The loop's funnel for /reports: searched -> shown help -> asked for a reminder or booked ->
reminded -> went -> retook the check -> level went up; per week, per venue, per referral code.

Every step counts people (distinct pseudonymous keys, `bot.pseudonym.person_key`), never
messages, and nothing returned names a person. A step is counted in the week it happened.
"Reminded" comes from the outbound messages actually sent; the others from `loop_events` and,
for the searches, `usage_events`. Retakes and level-ups are credited to the venues the person
asked about.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import (
    Booking,
    Contact,
    LoopEvent,
    MessageStatus,
    OutboundMessage,
    UsageEvent,
    UsageKind,
    Venue,
)
from bot.pseudonym import person_key
from bot.reports.queries import Period
from bot.usage.events import week_of

STEPS = ("searched", "shown", "asked", "reminded", "went", "retook", "level_up")
STEP_LABELS = {
    "searched": "Searched for help",
    "shown": "Shown help nearby",
    "asked": "Asked for a reminder or booked",
    "reminded": "Were reminded",
    "went": "Went (said so, or marked)",
    "retook": "Took the check again",
    "level_up": "Their level went up",
}
SENT = (MessageStatus.SENT.value, MessageStatus.DELIVERED.value)
REMINDER_KINDS = ("reminder", "reminder_soon")


@dataclass(frozen=True)
class Hit:
    step: str
    week: date
    person: str
    venue_id: int  # 0: not about one venue


@dataclass(frozen=True)
class FunnelRow:
    label: str
    counts: dict[str, int]

    def values(self) -> list[int]:
        return [self.counts.get(step, 0) for step in STEPS]


@dataclass(frozen=True)
class Funnel:
    total: FunnelRow
    weeks: list[FunnelRow]
    venues: list[FunnelRow]
    referrals: list[FunnelRow]


def _booking_venue(session: Session, reference: str | None) -> int:
    """ "session:7:2026-12-08:booking:42" -> the venue of booking 42 (0 if unknown)."""
    try:
        booking_id = int(str(reference).rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 0
    booking = session.get(Booking, booking_id)
    return booking.occurrence.session.venue_id if booking is not None else 0


def hits(session: Session, period: Period) -> list[Hit]:
    found = [
        Hit("searched", week, str(person), 0)
        for week, person in session.execute(
            select(UsageEvent.week, UsageEvent.person).where(
                UsageEvent.kind == UsageKind.SEARCH,
                UsageEvent.week.between(period.first_week, period.last_week),
                UsageEvent.person.is_not(None),
            )
        )
    ]
    found += [
        Hit(step, week, str(person), venue_id)
        for step, week, person, venue_id in session.execute(
            select(LoopEvent.step, LoopEvent.week, LoopEvent.person, LoopEvent.venue_id).where(
                LoopEvent.week.between(period.first_week, period.last_week), LoopEvent.person.is_not(None)
            )
        )
    ]
    for conversation_id, sent_at, reference in session.execute(
        select(OutboundMessage.conversation_id, OutboundMessage.sent_at, OutboundMessage.reference).where(
            OutboundMessage.kind.in_(REMINDER_KINDS),
            OutboundMessage.status.in_(SENT),
            OutboundMessage.sent_at.is_not(None),
            OutboundMessage.conversation_id != "",
        )
    ):
        if sent_at is None:
            continue
        week = week_of(sent_at.date())
        if period.first_week <= week <= period.last_week:
            found.append(
                Hit("reminded", week, person_key(conversation_id), _booking_venue(session, reference))
            )
    return found


def _count(items: list[Hit]) -> dict[str, int]:
    people: dict[str, set[str]] = defaultdict(set)
    for hit in items:
        people[hit.step].add(hit.person)
    return {step: len(people[step]) for step in STEPS}


def funnel(session: Session, period: Period) -> Funnel:
    found = hits(session, period)
    asked_at: dict[str, set[int]] = defaultdict(set)
    for hit in found:
        if hit.step == "asked":
            asked_at[hit.person].add(hit.venue_id)
    by_venue: dict[int, list[Hit]] = defaultdict(list)
    for hit in found:
        venues = asked_at.get(hit.person, set()) if hit.step in ("retook", "level_up") else {hit.venue_id}
        for venue_id in venues:
            if venue_id:
                by_venue[venue_id].append(hit)
    names = dict(session.execute(select(Venue.id, Venue.name).where(Venue.id.in_(list(by_venue)))).all())
    codes = dict(
        session.execute(
            select(Contact.person, Contact.referral_code).where(Contact.referral_code.is_not(None))
        ).all()
    )
    by_code: dict[str, list[Hit]] = defaultdict(list)
    for hit in found:
        if hit.person in codes:
            by_code[str(codes[hit.person])].append(hit)
    by_week = {week: [h for h in found if h.week == week] for week in period.weeks}
    return Funnel(
        total=FunnelRow("All", _count(found)),
        weeks=[FunnelRow(week.isoformat(), _count(items)) for week, items in by_week.items()],
        venues=sorted(
            (
                FunnelRow(names.get(venue_id, f"Venue {venue_id} (removed)"), _count(items))
                for venue_id, items in by_venue.items()
            ),
            key=lambda row: (-row.counts["asked"], row.label),
        ),
        referrals=sorted(
            (FunnelRow(code, _count(items)) for code, items in by_code.items()), key=lambda row: row.label
        ),
    )


def csv_table(rows: list[FunnelRow], first: str) -> tuple[list[str], list[list[object]]]:
    return [first, *STEPS], [[row.label, *row.values()] for row in rows]
