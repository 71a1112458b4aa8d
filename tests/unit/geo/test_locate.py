from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from bot.db.models import PostcodePoint
from bot.geo.codepoint import load_postcodes
from bot.geo.gazetteer import Gazetteer
from bot.geo.locate import LocationError, Precision, locate_coordinates, locate_text
from bot.geo.places import Place
from bot.geo.postcodes_io import GeocodedPostcode, GeocoderUnavailable, PostcodesIO
from tests.conftest import LS1_1AZ

PLACES = Gazetteer.from_places(
    [
        Place("Armley", "neighbourhood", 53.798, -1.589, ("LS12",), ("armly",)),
        Place("Harehills", "neighbourhood", 53.814, -1.508, ("LS8", "LS9"), ("hare hills",)),
    ]
)


class FakeGeocoder:
    """The postcodes.io client's interface, answering from a dict (or failing)."""

    def __init__(self, known: dict[str, tuple[float, float]] | None = None, *, down: bool = False) -> None:
        self.known = known or {}
        self.down = down
        self.asked: list[str] = []

    def lookup(self, postcode: str) -> GeocodedPostcode | None:
        self.asked.append(postcode)
        if self.down:
            raise GeocoderUnavailable("timed out")
        if postcode not in self.known:
            return None
        return GeocodedPostcode(postcode, *self.known[postcode])


@pytest.fixture
def loaded(db_session: Session, codepoint_dir: Path) -> Session:
    load_postcodes(db_session, ["LS"], data_dir=codepoint_dir)
    db_session.commit()
    return db_session


@pytest.mark.parametrize("typed", ["LS1 1AZ", "ls11az", "  Ls1  1aZ ", "I live at LS1 1AZ thanks"])
def test_a_known_postcode_in_any_form_is_placed_exactly(loaded: Session, typed: str) -> None:
    resolution = locate_text(loaded, typed, gazetteer=PLACES)
    assert resolution.location is not None
    assert resolution.location.precision is Precision.POSTCODE
    assert resolution.location.label == "LS1 1AZ"
    assert (resolution.location.latitude, resolution.location.longitude) == pytest.approx(LS1_1AZ, abs=1e-5)
    assert resolution.location.from_ordnance_survey


def test_an_outcode_is_placed_at_the_middle_of_its_postcodes(loaded: Session) -> None:
    location = locate_text(loaded, "LS1", gazetteer=PLACES).location
    assert location is not None and location.precision is Precision.OUTCODE and not location.approximate


@pytest.mark.parametrize("typed", ["LS1 1A", "QS1 1AA", "LS11AAA", "12345", "LS1 1AZZ", "L"])
def test_a_malformed_postcode_is_reported_as_such(loaded: Session, typed: str) -> None:
    if typed == "L":
        # One letter is neither a postcode nor a place.
        assert locate_text(loaded, typed, gazetteer=PLACES).error is LocationError.UNKNOWN_PLACE
        return
    assert locate_text(loaded, typed, gazetteer=PLACES).error is LocationError.MALFORMED_POSTCODE


def test_a_well_formed_postcode_that_does_not_exist_is_unknown_not_guessed(loaded: Session) -> None:
    resolution = locate_text(loaded, "LS1 1ZZ", gazetteer=PLACES)
    assert resolution.location is None
    assert resolution.error is LocationError.UNKNOWN_POSTCODE
    assert locate_text(loaded, "LS99", gazetteer=PLACES).error is LocationError.UNKNOWN_POSTCODE


def test_a_postcode_from_an_area_not_loaded_is_outside_the_area(loaded: Session) -> None:
    assert locate_text(loaded, "SW1A 1AA", gazetteer=PLACES).error is LocationError.OUTSIDE_AREA
    assert locate_text(loaded, "M1", gazetteer=PLACES).error is LocationError.OUTSIDE_AREA


def test_a_postcode_without_a_position_falls_back_to_its_outcode(loaded: Session) -> None:
    location = locate_text(loaded, "LS1 9XX", gazetteer=PLACES).location
    assert location is not None and location.approximate and location.precision is Precision.OUTCODE


def test_place_names_and_misspellings_are_found(loaded: Session) -> None:
    location = locate_text(loaded, "near armly", gazetteer=PLACES).location
    assert location is not None and location.label == "Armley" and location.precision is Precision.PLACE
    assert not location.from_ordnance_survey
    assert locate_text(loaded, "Narnia", gazetteer=PLACES).error is LocationError.UNKNOWN_PLACE
    assert locate_text(loaded, "Narnia LS1 1A", gazetteer=PLACES).error is LocationError.MALFORMED_POSTCODE
    assert locate_text(loaded, "  ", gazetteer=PLACES).error is LocationError.NO_LOCATION


def test_coordinates_are_checked() -> None:
    assert locate_coordinates(53.8, -1.55).location is not None
    for lat, lon in ((91, 0), (0, 181), (float("nan"), 0), (0, float("inf"))):
        assert locate_coordinates(lat, lon).error is LocationError.BAD_COORDINATES


def test_the_online_geocoder_fills_gaps_and_is_cached(loaded: Session) -> None:
    geocoder = FakeGeocoder({"LS1 1ZZ": (53.797, -1.55)})
    first = locate_text(loaded, "LS1 1ZZ", gazetteer=PLACES, geocoder=geocoder)
    assert first.location is not None and first.location.precision is Precision.POSTCODE
    loaded.commit()
    cached = loaded.get(PostcodePoint, "LS1 1ZZ")
    assert cached is not None and cached.source == "postcodes.io"
    again = locate_text(loaded, "LS1 1ZZ", gazetteer=PLACES, geocoder=geocoder)
    assert again.location == first.location
    assert geocoder.asked == ["LS1 1ZZ"]


def test_the_online_geocoder_saying_no_means_unknown(loaded: Session) -> None:
    geocoder = FakeGeocoder()
    assert locate_text(loaded, "LS1 1ZZ", geocoder=geocoder).error is LocationError.UNKNOWN_POSTCODE
    # Known offline: the geocoder is not asked at all.
    locate_text(loaded, "LS1 1AZ", geocoder=geocoder)
    assert geocoder.asked == ["LS1 1ZZ"]


def test_when_the_online_geocoder_is_down_the_outcode_stands_in(loaded: Session) -> None:
    location = locate_text(loaded, "LS1 1ZZ", geocoder=FakeGeocoder(down=True)).location
    assert location is not None and location.approximate and location.label == "LS1 1ZZ"


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> PostcodesIO:
    return PostcodesIO("https://postcodes.test", timeout=0.5, transport=httpx.MockTransport(handler))


def test_postcodes_io_answers_are_read() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/postcodes/LS1%201ZZ" or request.url.raw_path == b"/postcodes/LS1%201ZZ"
        return httpx.Response(
            200, json={"status": 200, "result": {"postcode": "LS1 1ZZ", "latitude": 53.8, "longitude": -1.5}}
        )

    assert _client(handler).lookup("LS1 1ZZ") == GeocodedPostcode("LS1 1ZZ", 53.8, -1.5)


def test_postcodes_io_not_found_is_none() -> None:
    assert _client(lambda request: httpx.Response(404, json={"status": 404})).lookup("LS1 1ZZ") is None


@pytest.mark.parametrize(
    "respond",
    [
        lambda request: httpx.Response(500),
        lambda request: httpx.Response(200, text="not json"),
        lambda request: httpx.Response(200, json={"result": {"latitude": None, "longitude": None}}),
    ],
)
def test_postcodes_io_errors_are_unavailable(respond: Callable[[httpx.Request], httpx.Response]) -> None:
    with pytest.raises(GeocoderUnavailable):
        _client(respond).lookup("LS1 1ZZ")


def test_postcodes_io_timeouts_are_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("too slow", request=request)

    with pytest.raises(GeocoderUnavailable):
        _client(handler).lookup("LS1 1ZZ")


def test_an_empty_postcode_table_is_logged(db_session: Session, caplog: pytest.LogCaptureFixture) -> None:
    assert locate_text(db_session, "LS1 1AZ").error is LocationError.OUTSIDE_AREA
    assert "No postcodes are loaded" in caplog.text
