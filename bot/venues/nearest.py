"""The nearest active venues to a point, with filters, read through a spatial index.

The search asks the index for the venues in a small box around the point, measures their
great-circle distance, and stops as soon as it holds `limit` suitable venues inside the circle
the box was drawn round (anything nearer would have been in the box). Otherwise it grows the
box: to the distance of the `limit`-th suitable venue seen so far when there are enough,
else to twice the radius (four times when the box was empty), never beyond `max_km`.
Filters the database can test (active, facilities, language, network) are in the query; the
one it cannot (a session in the next N days, which needs the recurrence rules) is applied in
Python to the few candidates only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Unpack

from sqlalchemy import ColumnElement, Row, Select, bindparam, exists, func, select
from sqlalchemy.orm import Session

from bot.db.models import FEATURES, LANGUAGE_SEPARATOR, HelpSession, Network, Venue
from bot.db.session import read
from bot.geo.distance import bounding_box, haversine_km
from bot.venues.schedule import Occurrence, next_occurrence, rule_of
from bot.venues.spatial import box_params, in_any_box

# The first box: half a kilometre. Big enough for the three nearest in a town, and small enough
# that a dense city does not return hundreds of rows (the cost of a query is the rows it returns).
START_KM = 0.5
_CHUNK = 16
# Statements built once per kind of search (filters, backend) and run with the values as
# parameters: building a statement and its cache key cost SQLAlchemy several times what running
# it on SQLite did (bot.db.session.read). They hold SQL, no data: every search reads the database.
_STATEMENTS = 64


@dataclass(frozen=True)
class VenueFilter:
    """What a venue must offer. Empty means anything goes."""

    # Venues with an active session in one of these networks.
    networks: frozenset[Network] = frozenset()
    # Facilities that must all be there: names from `bot.db.models.FEATURES`.
    features: frozenset[str] = frozenset()
    # A language spoken at the venue (any case).
    language: str | None = None
    # Venues with a session (in `networks`, if given) starting within this many days.
    within_days: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise ValueError(f"Unknown venue feature(s): {', '.join(sorted(unknown))}")


@dataclass(frozen=True)
class NextSession:
    session_id: int
    title: str
    network: Network
    starts_at: datetime
    ends_at: datetime | None
    booking_required: bool
    cost: str | None


@dataclass(frozen=True)
class Nearby:
    venue_id: int
    distance_km: float
    next_session: NextSession | None = None


@dataclass
class _Sessions:
    """Next sessions per venue, loaded in batches and remembered across box sizes."""

    session: Session
    networks: frozenset[Network]
    now: datetime
    known: dict[int, NextSession | None] = field(default_factory=dict)

    def load(self, venue_ids: Iterable[int]) -> None:
        wanted = [venue_id for venue_id in venue_ids if venue_id not in self.known]
        if not wanted:
            return
        for venue_id in wanted:
            self.known[venue_id] = None
        for row in read(self.session, _sessions_query(self.networks), {"venue_ids": wanted}):
            occurrence = next_occurrence(rule_of(row), self.now)
            if occurrence is None:
                continue
            current = self.known[row.venue_id]
            if current is None or occurrence.starts_at < current.starts_at:
                self.known[row.venue_id] = _next_session(row, occurrence)


def _next_session(row: Row[Unpack[tuple[Any, ...]]], occurrence: Occurrence) -> NextSession:
    return NextSession(
        session_id=row.id,
        title=row.title,
        network=row.network,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        booking_required=row.booking_required,
        cost=row.cost,
    )


@lru_cache(maxsize=_STATEMENTS)
def _sessions_query(networks: frozenset[Network]) -> Select[Unpack[tuple[Any, ...]]]:
    """The active sessions of some venues (`venue_ids`), in `networks` when there are any."""
    query = select(
        HelpSession.id,
        HelpSession.venue_id,
        HelpSession.title,
        HelpSession.network,
        HelpSession.recurrence,
        HelpSession.weekday,
        HelpSession.week_of_month,
        HelpSession.start_date,
        HelpSession.end_date,
        HelpSession.start_time,
        HelpSession.end_time,
        HelpSession.booking_required,
        HelpSession.cost,
    ).where(HelpSession.venue_id.in_(bindparam("venue_ids", expanding=True)), HelpSession.active.is_(True))
    if networks:
        query = query.where(HelpSession.network.in_(networks))
    return query


def _conditions(filters: VenueFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Venue.active.is_(True)]
    conditions += [getattr(Venue, name).is_(True) for name in sorted(filters.features)]
    if filters.language:
        wanted = f"{LANGUAGE_SEPARATOR}{filters.language.strip().lower()}{LANGUAGE_SEPARATOR}"
        spoken = func.lower(LANGUAGE_SEPARATOR + Venue.languages + LANGUAGE_SEPARATOR)
        conditions.append(spoken.contains(wanted, autoescape=True))
    if filters.networks:
        conditions.append(
            exists().where(
                HelpSession.venue_id == Venue.id,
                HelpSession.active.is_(True),
                HelpSession.network.in_(filters.networks),
            )
        )
    return conditions


@lru_cache(maxsize=_STATEMENTS)
def _candidates_query(dialect: str, filters: VenueFilter) -> Select[Unpack[tuple[Any, ...]]]:
    """The suitable venues in a box (its edges are the parameters, `box_params`)."""
    return select(Venue.id, Venue.latitude, Venue.longitude).where(in_any_box(dialect), *_conditions(filters))


def _candidates(
    session: Session,
    latitude: float,
    longitude: float,
    radius_km: float,
    query: Select[Unpack[tuple[Any, ...]]],
) -> list[tuple[float, int]]:
    box = bounding_box(latitude, longitude, radius_km)
    found = [
        (haversine_km(latitude, longitude, row.latitude, row.longitude), row.id)
        for row in read(session, query, box_params(box))
    ]
    found.sort()
    return found


def nearest_venues(
    session: Session,
    latitude: float,
    longitude: float,
    *,
    limit: int = 3,
    max_km: float = 16.09344,
    filters: VenueFilter = VenueFilter(),
    now: datetime | None = None,
    start_km: float = START_KM,
) -> list[Nearby]:
    """Up to `limit` suitable venues within `max_km`, nearest first, each with its next session."""
    if limit <= 0:
        return []
    now = now or datetime.now(UTC)
    sessions = _Sessions(session, filters.networks, now)
    deadline = now + timedelta(days=filters.within_days) if filters.within_days is not None else None

    def suitable(venue_id: int) -> bool:
        if deadline is None:
            return True
        upcoming = sessions.known.get(venue_id)
        return upcoming is not None and upcoming.starts_at <= deadline

    # The query depends on what is tested in SQL, not on `within_days` (tested here, in Python).
    query = _candidates_query(session.get_bind().dialect.name, replace(filters, within_days=None))
    radius = min(start_km, max_km)
    while True:
        accepted: list[tuple[float, int]] = []
        candidates = _candidates(session, latitude, longitude, radius, query)
        for start in range(0, len(candidates), _CHUNK):
            chunk = candidates[start : start + _CHUNK]
            if deadline is not None:
                sessions.load(venue_id for _, venue_id in chunk)
            accepted += [(distance, venue_id) for distance, venue_id in chunk if suitable(venue_id)]
            if len(accepted) >= limit:
                break
        enough = len(accepted) >= limit
        if (enough and accepted[limit - 1][0] <= radius) or radius >= max_km:
            break
        if enough:
            radius = accepted[limit - 1][0]
        else:
            # Nothing at all nearby: grow faster (open country, or a small venue list).
            radius *= 2 if candidates else 4
        radius = min(max_km, radius)

    best = [(distance, venue_id) for distance, venue_id in accepted[:limit] if distance <= max_km]
    sessions.load(venue_id for _, venue_id in best)
    return [Nearby(venue_id, distance, sessions.known.get(venue_id)) for distance, venue_id in best]
