"""`find_help`: the one call the conversation makes to answer "where can I get help near me?".

It resolves what the resident said (postcode, outcode, place name or a shared location),
finds the nearest suitable venues within 10 miles (further, and saying so, when there are
none), and returns a `HelpResult`: either an error kind the reply can explain, or the venues
with their distance in miles and next session. `render_help_text` (bot.venues.help_text) turns
it into the reply. Paging ("more") is `offset`.

What it needs besides the database (the gazetteer, the helpline, the one postcodes.io client)
is passed in: the edges build them from settings (`bot.venues.help_desk.HelpDesk`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.db.models import ACCESSIBILITY_FEATURES, Venue
from bot.db.session import read
from bot.geo.distance import km_to_miles, miles_to_km
from bot.geo.gazetteer import Gazetteer
from bot.geo.locate import Location, LocationError, Resolution, locate_coordinates, locate_text
from bot.geo.postcodes_io import PostcodeGeocoder, PostcodesIO
from bot.settings import Settings
from bot.venues.nearest import Nearby, NextSession, VenueFilter, nearest_venues
from bot.venues.needs import Need, get_need, key_features

log = logging.getLogger(__name__)

SEARCH_MILES = 10.0
WIDER_MILES = 25.0


@dataclass(frozen=True)
class VenueMatch:
    venue_id: int
    name: str
    address: str
    postcode: str | None
    phone: str | None
    website: str | None
    latitude: float
    longitude: float
    distance_km: float
    next_session: NextSession | None
    # The facilities worth mentioning, in plain words, most relevant first.
    key_accessibility: tuple[str, ...]
    is_sample: bool

    @property
    def distance_miles(self) -> float:
        return km_to_miles(self.distance_km)


@dataclass(frozen=True)
class HelpResult:
    error: LocationError | None = None
    # What the resident typed that the error is about.
    error_subject: str = ""
    location: Location | None = None
    venues: tuple[VenueMatch, ...] = ()
    offset: int = 0
    need: Need | None = None
    # False when nothing suited the need, so general help is shown instead.
    need_matched: bool = True
    # True when nothing was within SEARCH_MILES and the search looked up to WIDER_MILES.
    widened: bool = False
    radius_miles: float = SEARCH_MILES
    has_more: bool = False
    helpline: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.venues)


def geocoder_for(settings: Settings) -> PostcodesIO | None:
    """postcodes.io when the settings enable it (production), else offline only.

    One per process: the caller keeps it for every search and closes it when it stops.
    """
    if not settings.postcodes_io_enabled:
        return None
    return PostcodesIO(settings.postcodes_io_url, timeout=settings.postcodes_io_timeout_seconds)


def _resolve(
    session: Session,
    where: str | None,
    lat: float | None,
    lon: float | None,
    gazetteer: Gazetteer,
    geocoder: PostcodeGeocoder | None,
) -> Resolution:
    if lat is not None and lon is not None:
        return locate_coordinates(lat, lon)
    if where is None or not where.strip():
        return Resolution(error=LocationError.NO_LOCATION)
    return locate_text(session, where, gazetteer=gazetteer, geocoder=geocoder)


def _page(
    session: Session, location: Location, filters: VenueFilter, offset: int, limit: int, now: datetime
) -> tuple[list[Nearby], bool, float, bool]:
    """The venues for this page: (venues, widened, radius in miles, has more).

    "More" stays on offer while anything is left within the wider radius, so the resident can
    page from the venues within 10 miles to those further away.
    """
    wanted = offset + limit + 1

    def search(miles: float) -> list[Nearby]:
        return nearest_venues(
            session,
            location.latitude,
            location.longitude,
            limit=wanted,
            max_km=miles_to_km(miles),
            filters=filters,
            now=now,
        )

    near = search(SEARCH_MILES)
    wide = near if len(near) == wanted else search(WIDER_MILES)
    if len(near) > offset:
        return near[offset : offset + limit], False, SEARCH_MILES, len(wide) > offset + limit
    return wide[offset : offset + limit], True, WIDER_MILES, len(wide) > offset + limit


_MATCH_COLUMNS = (
    Venue.id,
    Venue.name,
    Venue.address,
    Venue.postcode,
    Venue.phone,
    Venue.website,
    Venue.latitude,
    Venue.longitude,
    Venue.is_sample,
    *(getattr(Venue, name) for name in ACCESSIBILITY_FEATURES),
)


# Built once (the ids are its parameter): building and keying a statement, and the ORM's execute,
# cost more than the query (bot.db.session.read).
_MATCH_QUERY = select(*_MATCH_COLUMNS).where(Venue.id.in_(bindparam("venue_ids", expanding=True)))


def _matches(session: Session, nearby: list[Nearby], need: Need | None) -> tuple[VenueMatch, ...]:
    """The details the reply needs, read in one query (columns, not whole ORM objects: faster)."""
    ids = [item.venue_id for item in nearby]
    rows = {row.id: row for row in read(session, _MATCH_QUERY, {"venue_ids": ids})}
    matches = []
    for item in nearby:
        row = rows[item.venue_id]
        flags = {name: bool(getattr(row, name)) for name in ACCESSIBILITY_FEATURES}
        matches.append(
            VenueMatch(
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


def find_help(
    session: Session,
    where: str | None = None,
    *,
    lat: float | None = None,
    lon: float | None = None,
    need: str | None = None,
    offset: int = 0,
    limit: int = 3,
    now: datetime | None = None,
    features: Iterable[str] = (),
    language: str | None = None,
    within_days: int | None = None,
    gazetteer: Gazetteer,
    helpline: str,
    geocoder: PostcodeGeocoder | None = None,
) -> HelpResult:
    """Find the nearest help for a resident.

    `where` is what they typed (postcode, outcode, place, or a sentence with one of those);
    `lat`/`lon` a shared location, used instead when given. `need` is one of
    older_people, sight_loss, hearing_loss, autism, learning_disability, arts: venues then
    need a session in the matching network (if none is within 25 miles, general help is given
    and `need_matched` is False). `features` (step_free, hearing_loop, ...) must all be there;
    `language` spoken; `within_days` keeps venues with a session that soon. `gazetteer` knows
    the place names, `helpline` is who to call when nothing is found, and `geocoder` (when
    given) looks up postcodes that Code-Point Open lacks.
    """
    now = now or datetime.now(UTC)
    offset, limit = max(0, offset), max(1, limit)
    try:
        wanted_need = get_need(need)
    except KeyError:
        log.warning("Unknown need %r ignored", need)
        wanted_need = None
    resolution = _resolve(session, where, lat, lon, gazetteer, geocoder)
    if resolution.location is None:
        return HelpResult(error=resolution.error, error_subject=resolution.subject, helpline=helpline)
    location = resolution.location

    base = VenueFilter(features=frozenset(features), language=language, within_days=within_days)
    need_matched = True
    if wanted_need is not None:
        filters = VenueFilter(
            networks=frozenset({wanted_need.network}),
            features=base.features,
            language=language,
            within_days=within_days,
        )
        page, widened, radius, has_more = _page(session, location, filters, offset, limit, now)
        if not page and (offset == 0 or not _any(session, location, filters, now)):
            need_matched = False
            page, widened, radius, has_more = _page(session, location, base, offset, limit, now)
    else:
        page, widened, radius, has_more = _page(session, location, base, offset, limit, now)

    return HelpResult(
        location=location,
        venues=_matches(session, page, wanted_need),
        offset=offset,
        need=wanted_need,
        need_matched=need_matched,
        widened=widened,
        radius_miles=radius,
        has_more=has_more,
        helpline=helpline,
    )


def _any(session: Session, location: Location, filters: VenueFilter, now: datetime) -> bool:
    """Whether anything within 25 miles suits the filters (so later pages keep the same list)."""
    return bool(
        nearest_venues(
            session,
            location.latitude,
            location.longitude,
            limit=1,
            max_km=miles_to_km(WIDER_MILES),
            filters=filters,
            now=now,
        )
    )
