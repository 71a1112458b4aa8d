"""The search's statements built once and run on the connection find exactly what they found
when each query was built afresh and run through the ORM (the reference copies below are the
functions as they were), on both backends, for many places, needs, filters and pages."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.db.models import ACCESSIBILITY_FEATURES, HelpSession, Network, PostcodePoint, Recurrence, Venue
from bot.geo import locate
from bot.geo.codepoint import load_postcodes
from bot.geo.distance import bounding_box, haversine_km
from bot.geo.gazetteer import Gazetteer
from bot.geo.places import Place
from bot.venues import nearest, search
from bot.venues.needs import Need, key_features
from bot.venues.schedule import next_occurrence, rule_of
from bot.venues.spatial import in_box
from tests.conftest import LS1_1AZ, Factory

NOW = datetime(2025, 11, 26, 9, tzinfo=UTC)
PLACES = Gazetteer.from_places([Place("Armley", "neighbourhood", 53.798, -1.589, ("LS12",))])
find_help = partial(search.find_help, gazetteer=PLACES, helpline="Leeds Libraries on 0113 378 5005")


def _old_load(self: nearest._Sessions, venue_ids: Iterable[int]) -> None:
    wanted = [venue_id for venue_id in venue_ids if venue_id not in self.known]
    if not wanted:
        return
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
    ).where(HelpSession.venue_id.in_(wanted), HelpSession.active.is_(True))
    if self.networks:
        query = query.where(HelpSession.network.in_(self.networks))
    for venue_id in wanted:
        self.known[venue_id] = None
    for row in self.session.execute(query):
        occurrence = next_occurrence(rule_of(row), self.now)
        if occurrence is None:
            continue
        current = self.known[row.venue_id]
        if current is None or occurrence.starts_at < current.starts_at:
            self.known[row.venue_id] = nearest._next_session(row, occurrence)


def _old_candidates(
    session: Session,
    latitude: float,
    longitude: float,
    radius_km: float,
    conditions: Sequence[ColumnElement[bool]],
) -> list[tuple[float, int]]:
    box = bounding_box(latitude, longitude, radius_km)
    query = select(Venue.id, Venue.latitude, Venue.longitude).where(in_box(session, box), *conditions)
    found = [
        (haversine_km(latitude, longitude, row.latitude, row.longitude), row.id)
        for row in session.execute(query)
    ]
    found.sort()
    return found


def _old_matches(session: Session, nearby: list[nearest.Nearby], need: Need | None) -> tuple[Any, ...]:
    query = select(*search._MATCH_COLUMNS).where(Venue.id.in_([item.venue_id for item in nearby]))
    rows = {row.id: row for row in session.execute(query)}
    matches = []
    for item in nearby:
        row = rows[item.venue_id]
        flags = {name: bool(getattr(row, name)) for name in ACCESSIBILITY_FEATURES}
        matches.append(
            search.VenueMatch(
                venue_id=row.id,
                name=row.name,
                address=row.address,
                postcode=row.postcode,
                phone=row.phone,
                website=row.website,
                latitude=row.latitude,
                longitude=row.longitude,
                distance_km=item.distance_km,
                next_session=item.next_session,
                key_accessibility=tuple(key_features(flags, need)),
                is_sample=row.is_sample,
            )
        )
    return tuple(matches)


class _OldPoint:
    """`session.get(PostcodePoint, label)` where the new code reads the position."""

    def __init__(self, session: Session, label: str) -> None:
        self.row = session.get(PostcodePoint, label)

    def first(self) -> PostcodePoint | None:
        return self.row


def as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put the functions back as they were."""
    monkeypatch.setattr(nearest._Sessions, "load", _old_load)
    monkeypatch.setattr(search, "_matches", _old_matches)
    monkeypatch.setattr(
        locate, "read", lambda session, _statement, params: _OldPoint(session, params["postcode"])
    )

    def old_nearest(
        session: Session, latitude: float, longitude: float, **kwargs: Any
    ) -> list[nearest.Nearby]:
        filters = kwargs.get("filters", nearest.VenueFilter())
        conditions = nearest._conditions(filters)
        with monkeypatch.context() as inner:
            inner.setattr(nearest, "_candidates_query", lambda dialect, filters: conditions)
            inner.setattr(nearest, "_candidates", _old_candidates)
            return new_nearest(session, latitude, longitude, **kwargs)

    new_nearest = nearest.nearest_venues
    monkeypatch.setattr(search, "nearest_venues", old_nearest)


@pytest.fixture
def scattered(factory: Factory, codepoint_dir: Path) -> Factory:
    """Postcodes, and 60 venues around Leeds with features, languages and sessions of every kind."""
    load_postcodes(factory.session, ["LS"], data_dir=codepoint_dir)
    rng = random.Random(11)
    networks = list(Network)
    for number in range(60):
        venue = factory.venue(
            LS1_1AZ[0] + rng.uniform(-0.25, 0.25),
            LS1_1AZ[1] + rng.uniform(-0.4, 0.4),
            name=f"Hub {number}",
            step_free=rng.random() < 0.5,
            hearing_loop=rng.random() < 0.3,
            languages=rng.choice(["", "English", "English|Urdu", "Polish|English"]),
            active=rng.random() < 0.9,
        )
        for _ in range(rng.randint(0, 3)):
            factory.help_session(
                venue,
                network=rng.choice(networks),
                recurrence=rng.choice([Recurrence.WEEKLY, Recurrence.MONTHLY]),
                weekday=rng.randint(0, 6),
                week_of_month=rng.randint(1, 4),
                start_time=time(rng.randint(9, 17)),
                active=rng.random() < 0.9,
            )
    factory.session.commit()
    return factory


def _searches() -> list[dict[str, Any]]:
    rng = random.Random(5)
    needs = [None, "older_people", "sight_loss", "arts", "not_a_need"]
    wheres = ["LS1 1AZ", "LS1 3AB", "LS12", "Armley", "LS99 9ZZ", "nowhere at all", "ls1 1az please"]
    found = []
    for _ in range(40):
        found.append(
            {
                "where": rng.choice(wheres),
                "need": rng.choice(needs),
                "offset": rng.choice([0, 0, 3, 6, 30]),
                "features": rng.choice([(), ("step_free",), ("step_free", "hearing_loop")]),
                "language": rng.choice([None, None, "urdu", " Polish "]),
                "within_days": rng.choice([None, None, 3, 14]),
            }
        )
    for lat, lon in [(53.8, -1.55), (53.6, -1.2), (54.5, -2.0)]:
        found.append({"where": None, "lat": lat, "lon": lon, "need": "older_people", "offset": 0})
    return found


def test_every_search_finds_what_it_found_before(scattered: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    session = scattered.session
    searches = _searches()
    now = [find_help(session, now=NOW, **kwargs) for kwargs in searches]
    assert sum(bool(result.venues) for result in now) > len(searches) // 3  # the test finds things
    as_before(monkeypatch)
    before = [find_help(session, now=NOW, **kwargs) for kwargs in searches]
    assert now == before


def test_pending_rows_are_flushed_before_reading_as_the_orm_did(factory: Factory) -> None:
    """`read` flushes first, as `session.execute` did: a venue added, not yet flushed, is found."""
    factory.session.add(Venue(name="Just added", address="", latitude=LS1_1AZ[0], longitude=LS1_1AZ[1]))
    found = nearest.nearest_venues(factory.session, *LS1_1AZ, now=NOW)
    assert len(found) == 1


def test_a_statement_is_built_once_per_kind_of_search(factory: Factory) -> None:
    factory.venue(*LS1_1AZ)
    nearest._candidates_query.cache_clear()
    for days in (None, 1, 7):
        nearest.nearest_venues(
            factory.session, *LS1_1AZ, now=NOW, filters=nearest.VenueFilter(within_days=days)
        )
    nearest.nearest_venues(factory.session, *LS1_1AZ, now=NOW, filters=nearest.VenueFilter(language="urdu"))
    assert nearest._candidates_query.cache_info().currsize == 2
