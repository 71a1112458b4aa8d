"""Listings nobody has checked for six months: what residents may be told wrongly.

Only listings shown to residents count (a hidden one misleads nobody). Never checked comes
first, then the longest ago. `mark_checked` is the "still right" button: today's date, and a
line in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.admin.audit import record
from bot.db.models import DigitalChampion, HelpSession, Organisation, Venue

STALE_MONTHS = 6


@dataclass(frozen=True)
class Kind:
    key: str  # the admin view's identity, also the audit log's "kind"
    label: str
    model: Any


KINDS = (
    Kind("venue", "Venues", Venue),
    Kind("help-session", "Sessions", HelpSession),
    Kind("digital-champion", "Digital Champions", DigitalChampion),
    Kind("organisation", "Organisations", Organisation),
)
BY_KEY = {kind.key: kind for kind in KINDS}


@dataclass(frozen=True)
class StaleListing:
    kind: str
    id: int
    name: str
    last_verified: date | None


@dataclass(frozen=True)
class StaleGroup:
    kind: Kind
    total: int
    listings: list[StaleListing]


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the last day of the month when that day does not exist)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _stale(model: Any, cutoff: date) -> Any:
    return model.active.is_(True) & or_(model.last_verified.is_(None), model.last_verified < cutoff)


def _name(listing: Any) -> str:
    if isinstance(listing, HelpSession):
        return f"{listing.title} at {listing.venue.name}"
    return str(listing)


def stale_listings(session: Session, today: date, *, limit: int = 50) -> list[StaleGroup]:
    """Per kind of listing: how many are stale, and the `limit` most in need of a check."""
    cutoff = months_before(today, STALE_MONTHS)
    groups = []
    for kind in KINDS:
        model = kind.model
        condition = _stale(model, cutoff)
        total = session.scalar(select(func.count()).select_from(model).where(condition)) or 0
        query = (
            select(model)
            .where(condition)
            .order_by(model.last_verified.is_not(None), model.last_verified, model.id)
            .limit(limit)
        )
        if model is HelpSession:
            query = query.options(selectinload(HelpSession.venue))
        listings = [
            StaleListing(kind.key, row.id, _name(row), row.last_verified) for row in session.scalars(query)
        ]
        groups.append(StaleGroup(kind, total, listings))
    return groups


def listing_counts(session: Session, today: date | None = None) -> dict[str, int]:
    """How many of each listing there are, and how many shown to residents are stale."""
    cutoff = months_before(today or date.today(), STALE_MONTHS)
    counts = {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in (
            ("venue", Venue),
            ("session", HelpSession),
            ("champion", DigitalChampion),
            ("organisation", Organisation),
        )
    }
    counts["stale"] = sum(
        session.scalar(select(func.count()).select_from(kind.model).where(_stale(kind.model, cutoff))) or 0
        for kind in KINDS
    )
    return counts


def mark_checked(
    session: Session, kind_key: str, listing_id: int, staff_email: str, today: date
) -> str | None:
    """Record that a listing was checked today; its name, or None if there is no such listing."""
    kind = BY_KEY.get(kind_key)
    listing = session.get(kind.model, listing_id) if kind else None
    if kind is None or listing is None:
        return None
    before = listing.last_verified
    listing.last_verified = today
    name = _name(listing)
    record(
        session,
        staff_email,
        "update",
        kind.key,
        listing_id,
        f"Checked {name}: still right",
        {"last_verified": [before.isoformat() if before else None, today.isoformat()]},
    )
    session.flush()
    return name
