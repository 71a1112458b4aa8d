"""Work out where the resident is: a postcode, an outcode, a Leeds place name or coordinates.

Offline first: postcodes and outcode centroids come from the Code-Point Open tables. A
well-formed postcode that is not there is unknown ("I can't find that postcode"), never a
guess; only when an online geocoder is configured does it get a second chance, and if that
service is down the outcode's centre stands in, marked approximate.
"""

from __future__ import annotations

import enum
import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import OutcodeCentroid, PostcodeArea, PostcodePoint
from bot.db.session import read
from bot.geo import postcodes
from bot.geo.gazetteer import EMPTY, Gazetteer
from bot.geo.postcodes_io import GeocoderUnavailable, PostcodeGeocoder

log = logging.getLogger(__name__)


class LocationError(enum.Enum):
    MALFORMED_POSTCODE = "malformed_postcode"
    UNKNOWN_POSTCODE = "unknown_postcode"
    OUTSIDE_AREA = "outside_area"
    UNKNOWN_PLACE = "unknown_place"
    BAD_COORDINATES = "bad_coordinates"
    NO_LOCATION = "no_location"


class Precision(enum.Enum):
    POSTCODE = "postcode"
    OUTCODE = "outcode"
    PLACE = "place"
    COORDINATES = "coordinates"


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    label: str
    precision: Precision
    # True when a postcode could only be placed at its outcode's centre.
    approximate: bool = False

    @property
    def from_ordnance_survey(self) -> bool:
        """Whether the position came from Code-Point Open (so the OS attribution is due)."""
        return self.precision in (Precision.POSTCODE, Precision.OUTCODE)


@dataclass(frozen=True)
class Resolution:
    location: Location | None = None
    error: LocationError | None = None
    # What the resident typed that the error is about (for messages and logs).
    subject: str = ""


# Something the resident meant as a postcode, valid or not: letters then a digit, short, no
# other words ("LS1 1A", "LS11AAA", "QS1 1AA"), or only digits ("12345").
_POSTCODE_ATTEMPT = re.compile(r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]{0,2}(?: ?[0-9][A-Z0-9]{0,3})?|[0-9]{3,7})$")


# What follows an outcode when the resident typed a full postcode with a typo ("LS1 1A").
_BROKEN_INCODE = re.compile(r"\s*[0-9][A-Za-z0-9]*")


def looks_like_postcode_attempt(text: str) -> bool:
    cleaned = re.sub(r"\s+", " ", text.strip().upper())
    return bool(_POSTCODE_ATTEMPT.match(cleaned)) or postcodes.looks_like_postcode(text)


def _area_is_loaded(session: Session, area: str) -> bool:
    if session.get(PostcodeArea, area) is not None:
        return True
    if not session.scalar(select(exists().where(PostcodeArea.area.is_not(None)))):
        log.warning("No postcodes are loaded: run `python -m bot setup-db` (or load-postcodes)")
    return False


def _outcode_location(session: Session, outcode: str, label: str, *, approximate: bool) -> Location | None:
    centroid = session.get(OutcodeCentroid, outcode)
    if centroid is None:
        return None
    return Location(centroid.latitude, centroid.longitude, label, Precision.OUTCODE, approximate)


def _cache(session: Session, postcode: postcodes.Postcode, latitude: float, longitude: float) -> None:
    """Remember an online answer, so the next resident with a new postcode needs no request."""
    row = PostcodePoint(
        postcode=str(postcode),
        outcode=postcode.outcode,
        area=postcode.area,
        latitude=latitude,
        longitude=longitude,
        source="postcodes.io",
        fetched_at=datetime.now(UTC),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        pass  # another request cached it first


# Where a postcode is, built once (bot.db.session.read): the whole row through the ORM's
# `session.get` cost several times the query, and only the position is needed.
_POINT = select(PostcodePoint.latitude, PostcodePoint.longitude).where(
    PostcodePoint.postcode == bindparam("postcode", type_=PostcodePoint.postcode.type)
)


def locate_postcode(
    session: Session, postcode: postcodes.Postcode, geocoder: PostcodeGeocoder | None = None
) -> Resolution:
    """Place a parsed postcode or outcode."""
    label = str(postcode)
    if not postcode.is_full:
        location = _outcode_location(session, postcode.outcode, label, approximate=False)
        if location is not None:
            return Resolution(location)
        kind = (
            LocationError.UNKNOWN_POSTCODE
            if _area_is_loaded(session, postcode.area)
            else LocationError.OUTSIDE_AREA
        )
        return Resolution(error=kind, subject=label)

    row = read(session, _POINT, {"postcode": label}).first()
    if row is not None:
        if row.latitude is not None and row.longitude is not None:
            return Resolution(Location(row.latitude, row.longitude, label, Precision.POSTCODE))
        # A real postcode without coordinates: its outcode's centre is the best we can do.
        location = _outcode_location(session, postcode.outcode, label, approximate=True)
        if location is not None:
            return Resolution(location)
        return Resolution(error=LocationError.UNKNOWN_POSTCODE, subject=label)

    if geocoder is not None:
        try:
            found = geocoder.lookup(label)
        except GeocoderUnavailable:
            location = _outcode_location(session, postcode.outcode, label, approximate=True)
            if location is not None:
                return Resolution(location)
        else:
            if found is None:
                return Resolution(error=LocationError.UNKNOWN_POSTCODE, subject=label)
            _cache(session, postcode, found.latitude, found.longitude)
            return Resolution(Location(found.latitude, found.longitude, label, Precision.POSTCODE))

    kind = (
        LocationError.UNKNOWN_POSTCODE
        if _area_is_loaded(session, postcode.area)
        else LocationError.OUTSIDE_AREA
    )
    return Resolution(error=kind, subject=label)


def locate_coordinates(latitude: float, longitude: float) -> Resolution:
    valid = all(isinstance(v, (int, float)) and math.isfinite(v) for v in (latitude, longitude))
    if not valid or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return Resolution(error=LocationError.BAD_COORDINATES, subject=f"{latitude},{longitude}")
    return Resolution(Location(float(latitude), float(longitude), "your location", Precision.COORDINATES))


def locate_place(name: str, gazetteer: Gazetteer) -> Resolution:
    place = gazetteer.find(name)
    if place is None:
        return Resolution(error=LocationError.UNKNOWN_PLACE, subject=name.strip())
    return Resolution(Location(place.latitude, place.longitude, place.name, Precision.PLACE))


def locate_text(
    session: Session,
    text: str,
    *,
    gazetteer: Gazetteer = EMPTY,
    geocoder: PostcodeGeocoder | None = None,
) -> Resolution:
    """Resolve free text: a postcode or outcode, a postcode inside a sentence, or a place name.

    Text that was meant as a postcode but is not a valid one is MALFORMED_POSTCODE, so the
    resident hears "that postcode doesn't look right" rather than "I don't know that place".
    """
    stripped = text.strip()
    if not stripped:
        return Resolution(error=LocationError.NO_LOCATION)
    parsed = postcodes.parse(stripped)
    if parsed is not None:
        return locate_postcode(session, parsed, geocoder)
    if looks_like_postcode_attempt(stripped):
        return Resolution(error=LocationError.MALFORMED_POSTCODE, subject=stripped)
    found = postcodes.find(stripped)
    full = [p for _, _, p in found if p.is_full]
    if full:
        return locate_postcode(session, full[0], geocoder)
    if found:
        _, end, outcode = found[0]
        if _BROKEN_INCODE.match(stripped[end:]):
            # "LS1 1A": a full postcode with a typo; using LS1 alone would be a guess.
            return Resolution(error=LocationError.MALFORMED_POSTCODE, subject=stripped)
        return locate_postcode(session, outcode, geocoder)
    place = locate_place(stripped, gazetteer)
    if place.location is not None:
        return place
    attempts = [word for word in stripped.split() if any(c.isdigit() for c in word) and word[0].isalpha()]
    if attempts:
        return Resolution(error=LocationError.MALFORMED_POSTCODE, subject=" ".join(attempts))
    return place
