"""Venue commands: import and export the listings, and ask for the nearest venues."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cli import cli
from bot.cli.database import ensure_postcodes, prepare_database
from bot.db.models import FEATURES, Venue
from bot.db.session import session_scope
from bot.geo import postcodes
from bot.geo.codepoint import ATTRIBUTION
from bot.geo.distance import km_to_miles, miles_to_km
from bot.geo.gazetteer import load_gazetteer
from bot.geo.locate import (
    Location,
    LocationError,
    Resolution,
    locate_coordinates,
    locate_place,
    locate_postcode,
)
from bot.settings import get_settings
from bot.venues.champion_csv import import_champions
from bot.venues.csvio import ImportFailed, ImportReport
from bot.venues.nearest import Nearby, VenueFilter, nearest_venues
from bot.venues.needs import get_need
from bot.venues.search import default_geocoder
from bot.venues.session_csv import import_sessions
from bot.venues.venue_csv import export_venues, import_venues

# Far enough for the whole of Great Britain: `nearest` without --max-miles has no limit.
_ANYWHERE_KM = 2_000.0


def _run_import(
    importer: Callable[..., ImportReport], path: Path, replace: bool, *, postcodes_needed: bool = False
) -> None:
    prepare_database()
    try:
        with session_scope() as session:
            if postcodes_needed:
                ensure_postcodes(session)
            report = importer(session, path, replace=replace)
    except ImportFailed as failure:
        for error in failure.errors:
            click.echo(f"{path.name} {error}", err=True)
        raise click.ClickException(
            f"Nothing imported: {len(failure.errors)} problem(s) in {path.name}."
        ) from None
    click.echo(f"{path.name}: {report}.")


_file = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_replace = click.option("--replace", is_flag=True, help="Also remove the entries that are not in the file.")


@cli.command("import-venues")
@_file
@_replace
def import_venues_command(file: Path, replace: bool) -> None:
    """Import venues from a CSV file (name,address,postcode,latitude,longitude,...)."""
    _run_import(import_venues, file, replace, postcodes_needed=True)


@cli.command("import-sessions")
@_file
@_replace
def import_sessions_command(file: Path, replace: bool) -> None:
    """Import sessions from a CSV file (venue,title,recurrence,day,start_time,...)."""
    _run_import(import_sessions, file, replace)


@cli.command("import-champions")
@_file
@_replace
def import_champions_command(file: Path, replace: bool) -> None:
    """Import Digital Champions from a CSV file (name,organisation,areas,languages,contact,...)."""
    _run_import(import_champions, file, replace)


@cli.command("export-venues")
@click.argument("output", type=click.File("w", encoding="utf-8"), default="-")
def export_venues_command(output: TextIO) -> None:
    """Write every venue as CSV, in the import format (to OUTPUT, or the screen)."""
    prepare_database()
    with session_scope() as session:
        count = export_venues(session, output)
    if output is not sys.stdout:
        click.echo(f"Exported {count} venues.", err=True)


def _locate(
    session: Session, postcode: str | None, place: str | None, lat: float | None, lon: float | None
) -> Location:
    given = sum(value is not None for value in (postcode, place)) + (lat is not None or lon is not None)
    if given != 1 or (lat is None) != (lon is None):
        raise click.UsageError("Give one of --postcode, --place, or --lat with --lon.")
    resolution: Resolution
    if postcode is not None:
        parsed = postcodes.parse(postcode)
        if parsed is None:
            raise click.BadParameter(f"'{postcode}' is not a valid UK postcode.", param_hint="--postcode")
        ensure_postcodes(session)
        resolution = locate_postcode(session, parsed, default_geocoder())
    elif place is not None:
        resolution = locate_place(place, load_gazetteer(get_settings().places_file))
    else:
        resolution = locate_coordinates(lat, lon)  # type: ignore[arg-type]
    if resolution.location is None:
        messages = {
            LocationError.UNKNOWN_POSTCODE: f"I can't find the postcode {resolution.subject}.",
            LocationError.OUTSIDE_AREA: f"The postcode area of {resolution.subject} is not loaded "
            "(see python -m bot load-postcodes).",
            LocationError.UNKNOWN_PLACE: f"I don't know the place '{resolution.subject}'.",
            LocationError.BAD_COORDINATES: "The coordinates are out of range.",
        }
        raise click.ClickException(messages.get(resolution.error, "I can't work out that location."))  # type: ignore[arg-type]
    return resolution.location


def _as_json(venue: Venue, item: Nearby) -> dict[str, object]:
    upcoming = item.next_session
    return {
        "name": venue.name,
        "address": venue.address,
        "postcode": venue.postcode,
        "distance_km": round(item.distance_km, 3),
        "distance_miles": round(km_to_miles(item.distance_km), 2),
        "latitude": venue.latitude,
        "longitude": venue.longitude,
        "phone": venue.phone,
        "accessibility": [name for name in FEATURES if getattr(venue, name)],
        "next_session": None
        if upcoming is None
        else {
            "title": upcoming.title,
            "network": upcoming.network.value,
            "starts_at": upcoming.starts_at.isoformat(),
            "booking_required": upcoming.booking_required,
        },
    }


@cli.command("nearest")
@click.option("--postcode", help="A full postcode or an outcode (LS9).")
@click.option("--place", help="A Leeds place name (Harehills, Armley...).")
@click.option("--lat", type=float, help="Latitude (with --lon).")
@click.option("--lon", type=float, help="Longitude (with --lat).")
@click.option("--limit", type=click.IntRange(1, 100), default=3, show_default=True)
@click.option("--need", help="older_people, sight_loss, hearing_loss, autism, learning_disability or arts.")
@click.option("--feature", "features", multiple=True, type=click.Choice(FEATURES), help="Required facility.")
@click.option("--language", help="A language spoken at the venue.")
@click.option("--within-days", type=click.IntRange(0, 366), help="Only venues with a session this soon.")
@click.option(
    "--max-miles", type=click.FloatRange(min=0, min_open=True), help="Only this close (default: any)."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, nearest first.")
def nearest_command(
    postcode: str | None,
    place: str | None,
    lat: float | None,
    lon: float | None,
    limit: int,
    need: str | None,
    features: tuple[str, ...],
    language: str | None,
    within_days: int | None,
    max_miles: float | None,
    as_json: bool,
) -> None:
    """The nearest active venues to a postcode, place or point."""
    try:
        wanted = get_need(need)
    except KeyError:
        raise click.BadParameter(f"unknown need '{need}'.", param_hint="--need") from None
    prepare_database()
    with session_scope() as session:
        location = _locate(session, postcode, place, lat, lon)
        filters = VenueFilter(
            networks=frozenset({wanted.network}) if wanted else frozenset(),
            features=frozenset(features),
            language=language,
            within_days=within_days,
        )
        found = nearest_venues(
            session,
            location.latitude,
            location.longitude,
            limit=limit,
            max_km=miles_to_km(max_miles) if max_miles else _ANYWHERE_KM,
            filters=filters,
        )
        venues = {
            v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_([f.venue_id for f in found])))
        }
        results = [(venues[item.venue_id], item) for item in found]
    if as_json:
        click.echo(json.dumps([_as_json(venue, item) for venue, item in results], indent=2))
        if location.from_ordnance_survey:
            click.echo(ATTRIBUTION, err=True)
        return
    if not results:
        click.echo(f"No venues found near {location.label}.")
    for number, (venue, item) in enumerate(results, start=1):
        where = ", ".join(part for part in (venue.address, venue.postcode) if part)
        click.echo(
            f"{number}. {venue.name} - {km_to_miles(item.distance_km):.1f} miles ({item.distance_km:.2f} km)"
        )
        click.echo(f"   {where}")
    if location.from_ordnance_survey:
        click.echo(ATTRIBUTION)
