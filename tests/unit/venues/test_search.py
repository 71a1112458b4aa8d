from __future__ import annotations

from datetime import UTC, datetime, time
from functools import partial
from pathlib import Path

import pytest

from bot.db.models import Network
from bot.geo.codepoint import load_postcodes
from bot.geo.gazetteer import Gazetteer
from bot.geo.locate import LocationError
from bot.geo.places import Place
from bot.venues.search import HelpResult
from bot.venues.search import find_help as find_help_with
from tests.conftest import LS1_1AZ, Factory

NOW = datetime(2025, 11, 26, 9, tzinfo=UTC)  # a Wednesday
PLACES = Gazetteer.from_places([Place("Armley", "neighbourhood", 53.798, -1.589, ("LS12",))])
HELPLINE = "Leeds Libraries on 0113 378 5005"
find_help = partial(find_help_with, gazetteer=PLACES, helpline=HELPLINE)


@pytest.fixture
def leeds(factory: Factory, codepoint_dir: Path) -> Factory:
    """Postcodes, and five venues 1 to 5 km north of LS1 1AZ, the third one with an older people's session."""
    load_postcodes(factory.session, ["LS"], data_dir=codepoint_dir)
    for km in range(1, 6):
        venue = factory.venue(LS1_1AZ[0] + km / 111.2, LS1_1AZ[1], name=f"Hub {km} km", step_free=km % 2 == 1)
        factory.help_session(venue, weekday=4, start_time=time(10))
        if km == 3:
            factory.help_session(
                venue, title="Tea club", network=Network.OLDER_PEOPLE, weekday=3, start_time=time(14)
            )
    factory.session.commit()
    return factory


def _names(result: HelpResult) -> list[str]:
    return [venue.name for venue in result.venues]


def test_a_postcode_gets_the_three_nearest_with_miles_and_next_session(leeds: Factory) -> None:
    result = find_help(leeds.session, "LS1 1AZ", now=NOW)
    assert result.ok and result.location is not None and result.location.label == "LS1 1AZ"
    assert _names(result) == ["Hub 1 km", "Hub 2 km", "Hub 3 km"]
    first = result.venues[0]
    assert first.distance_miles == pytest.approx(0.62, abs=0.02)
    assert first.next_session is not None and first.next_session.starts_at.weekday() == 4
    assert first.key_accessibility == ("step-free",)
    assert result.has_more and not result.widened and result.radius_miles == 10


def test_more_shows_the_next_three(leeds: Factory) -> None:
    result = find_help(leeds.session, "LS1 1AZ", offset=3, now=NOW)
    assert _names(result) == ["Hub 4 km", "Hub 5 km"]
    assert not result.has_more and result.next_offset == 5
    empty = find_help(leeds.session, "LS1 1AZ", offset=6, now=NOW)
    assert empty.ok and empty.venues == () and empty.helpline


def test_a_stated_need_filters_by_network(leeds: Factory) -> None:
    result = find_help(leeds.session, "LS1 1AZ", need="older_people", now=NOW)
    assert _names(result) == ["Hub 3 km"]
    assert result.need is not None and result.need_matched
    assert result.venues[0].next_session.title == "Tea club"  # type: ignore[union-attr]


def test_a_need_nobody_meets_falls_back_to_general_help(leeds: Factory) -> None:
    result = find_help(leeds.session, "LS1 1AZ", need="sight_loss", now=NOW)
    assert not result.need_matched
    assert _names(result) == ["Hub 1 km", "Hub 2 km", "Hub 3 km"]
    more = find_help(leeds.session, "LS1 1AZ", need="sight_loss", offset=3, now=NOW)
    assert not more.need_matched and _names(more) == ["Hub 4 km", "Hub 5 km"]


def test_nothing_within_ten_miles_widens_the_search_and_says_so(factory: Factory) -> None:
    factory.venue(LS1_1AZ[0] + 20 / 111.2, LS1_1AZ[1], name="Far hub")  # 20 km = 12.4 miles
    result = find_help(factory.session, lat=LS1_1AZ[0], lon=LS1_1AZ[1], now=NOW)
    assert _names(result) == ["Far hub"] and result.widened and result.radius_miles == 25


def test_nothing_within_the_wider_search_gives_no_venues(factory: Factory) -> None:
    factory.venue(LS1_1AZ[0] + 50 / 111.2, LS1_1AZ[1])  # 31 miles away
    result = find_help(factory.session, lat=LS1_1AZ[0], lon=LS1_1AZ[1], now=NOW)
    assert result.ok and result.venues == () and result.widened


@pytest.mark.parametrize(
    ("where", "error"),
    [
        ("LS1 1A", LocationError.MALFORMED_POSTCODE),
        ("LS1 1ZZ", LocationError.UNKNOWN_POSTCODE),
        ("Narnia", LocationError.UNKNOWN_PLACE),
        ("SW1A 1AA", LocationError.OUTSIDE_AREA),
        (None, LocationError.NO_LOCATION),
    ],
)
def test_location_problems_come_back_as_error_kinds(
    leeds: Factory, where: str | None, error: LocationError
) -> None:
    result = find_help(leeds.session, where, now=NOW)
    assert result.error is error and not result.ok and result.venues == ()


def test_places_and_coordinates(leeds: Factory) -> None:
    by_place = find_help(leeds.session, "Armley", now=NOW)
    assert by_place.ok and by_place.location.label == "Armley"  # type: ignore[union-attr]
    by_point = find_help(leeds.session, "ignored", lat=LS1_1AZ[0], lon=LS1_1AZ[1], now=NOW)
    assert _names(by_point)[0] == "Hub 1 km"
    assert find_help(leeds.session, lat=95.0, lon=0.0).error is LocationError.BAD_COORDINATES


def test_an_unknown_need_is_ignored(leeds: Factory) -> None:
    result = find_help(leeds.session, "LS1 1AZ", need="juggling", now=NOW)
    assert result.need is None and len(result.venues) == 3


def test_more_is_offered_while_venues_remain_within_the_wider_search(factory: Factory) -> None:
    for km in (1, 2, 3):
        factory.venue(LS1_1AZ[0] + km / 111.2, LS1_1AZ[1], name=f"Near {km}")
    factory.venue(LS1_1AZ[0] + 30 / 111.2, LS1_1AZ[1], name="Far")  # 18.6 miles
    first = find_help(factory.session, lat=LS1_1AZ[0], lon=LS1_1AZ[1], now=NOW)
    assert _names(first) == ["Near 1", "Near 2", "Near 3"] and first.has_more and not first.widened
    second = find_help(factory.session, lat=LS1_1AZ[0], lon=LS1_1AZ[1], offset=3, now=NOW)
    assert _names(second) == ["Far"] and second.widened and not second.has_more
