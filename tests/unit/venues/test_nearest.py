from __future__ import annotations

import random
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy.orm import Session

from bot.db.models import Network, Recurrence
from bot.geo.distance import haversine_km
from bot.venues.nearest import VenueFilter, nearest_venues
from tests.conftest import Factory

LEEDS = (53.7997, -1.5492)
# Wednesday 26 November 2025, 09:00 UTC.
NOW = datetime(2025, 11, 26, 9, tzinfo=UTC)


def _scatter(factory: Factory, count: int, spread: float, seed: int) -> list[tuple[int, float, float]]:
    rng = random.Random(seed)
    points = []
    for _ in range(count):
        lat, lon = LEEDS[0] + rng.uniform(-spread, spread), LEEDS[1] + rng.uniform(-spread, spread) * 1.7
        points.append((factory.venue(lat, lon).id, lat, lon))
    return points


def test_results_match_a_full_scan_nearest_first(factory: Factory) -> None:
    points = _scatter(factory, 300, 0.5, seed=7)
    rng = random.Random(1)
    for _ in range(15):
        lat, lon = LEEDS[0] + rng.uniform(-0.6, 0.6), LEEDS[1] + rng.uniform(-1, 1)
        expected = sorted((haversine_km(lat, lon, p[1], p[2]), p[0]) for p in points)[:5]
        found = nearest_venues(factory.session, lat, lon, limit=5, max_km=500)
        assert [n.venue_id for n in found] == [venue_id for _, venue_id in expected]
        assert [n.distance_km for n in found] == pytest.approx([d for d, _ in expected])


def test_a_lone_far_venue_is_found_by_growing_the_search(factory: Factory) -> None:
    york = factory.venue(53.9623, -1.0819)
    found = nearest_venues(factory.session, *LEEDS, limit=3, max_km=100)
    assert [n.venue_id for n in found] == [york.id]
    assert found[0].distance_km == pytest.approx(35.9, abs=0.5)
    assert nearest_venues(factory.session, *LEEDS, limit=3, max_km=30) == []


def test_inactive_venues_and_sessions_are_left_out(factory: Factory) -> None:
    closed = factory.venue(*LEEDS, active=False)
    open_ = factory.venue(LEEDS[0] + 0.01, LEEDS[1])
    factory.help_session(open_, active=False)
    found = nearest_venues(factory.session, *LEEDS, now=NOW)
    assert [n.venue_id for n in found] == [open_.id]
    assert found[0].next_session is None
    assert closed.id not in [n.venue_id for n in found]


def test_facilities_and_language_filter_in_the_database(factory: Factory) -> None:
    plain = factory.venue(*LEEDS)
    loop = factory.venue(
        LEEDS[0] + 0.01, LEEDS[1], hearing_loop=True, step_free=True, languages="English|Urdu"
    )
    session: Session = factory.session
    assert [n.venue_id for n in nearest_venues(session, *LEEDS)] == [plain.id, loop.id]
    both = VenueFilter(features=frozenset({"hearing_loop", "step_free"}))
    assert [n.venue_id for n in nearest_venues(session, *LEEDS, filters=both)] == [loop.id]
    assert [n.venue_id for n in nearest_venues(session, *LEEDS, filters=VenueFilter(language="urdu"))] == [
        loop.id
    ]
    assert nearest_venues(session, *LEEDS, filters=VenueFilter(language="Polish")) == []
    with pytest.raises(ValueError, match="Unknown venue feature"):
        VenueFilter(features=frozenset({"jacuzzi"}))


def test_networks_filter_venues_and_choose_the_session_shown(factory: Factory) -> None:
    general = factory.venue(*LEEDS)
    factory.help_session(general, weekday=2, start_time=time(10))
    older = factory.venue(LEEDS[0] + 0.02, LEEDS[1])
    factory.help_session(older, title="Drop-in", weekday=2, start_time=time(10))
    tea = factory.help_session(older, title="Tablet tea club", network=Network.OLDER_PEOPLE, weekday=4)
    wanted = VenueFilter(networks=frozenset({Network.OLDER_PEOPLE}))
    found = nearest_venues(factory.session, *LEEDS, filters=wanted, now=NOW)
    assert [n.venue_id for n in found] == [older.id]
    assert found[0].next_session is not None and found[0].next_session.session_id == tea.id
    # Without a network, the soonest session of any kind is shown.
    anything = nearest_venues(factory.session, *LEEDS, now=NOW)
    assert anything[1].next_session.title == "Drop-in"  # type: ignore[union-attr]


def test_within_days_keeps_venues_with_a_session_soon(factory: Factory) -> None:
    soon = factory.venue(LEEDS[0] + 0.03, LEEDS[1])
    factory.help_session(soon, weekday=4)  # Friday
    later = factory.venue(*LEEDS)
    factory.help_session(later, recurrence=Recurrence.ONCE, weekday=None, start_date=date(2026, 2, 2))
    factory.venue(LEEDS[0] + 0.01, LEEDS[1])  # no sessions at all
    found = nearest_venues(factory.session, *LEEDS, filters=VenueFilter(within_days=14), now=NOW)
    assert [n.venue_id for n in found] == [soon.id]
    assert found[0].next_session.starts_at.date() == date(2025, 11, 28)  # type: ignore[union-attr]


def test_within_days_scans_past_many_unsuitable_venues(factory: Factory) -> None:
    for step in range(40):
        factory.venue(LEEDS[0] + 0.001 * step, LEEDS[1])
    far = factory.venue(LEEDS[0] + 0.2, LEEDS[1])
    factory.help_session(far, weekday=3)
    found = nearest_venues(
        factory.session, *LEEDS, limit=3, max_km=50, filters=VenueFilter(within_days=7), now=NOW
    )
    assert [n.venue_id for n in found] == [far.id]


def test_limit_and_edges(factory: Factory) -> None:
    _scatter(factory, 20, 0.05, seed=3)
    assert len(nearest_venues(factory.session, *LEEDS, limit=4)) == 4
    assert nearest_venues(factory.session, *LEEDS, limit=0) == []
