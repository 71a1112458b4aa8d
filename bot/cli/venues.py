"""Venue commands: import and export the listings, and ask for the nearest venues."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click

from bot.cli import cli
from bot.cli.database import ensure_postcodes, prepare_database
from bot.db.models import FEATURES
from bot.db.session import session_scope
from bot.geo.codepoint import ATTRIBUTION
from bot.settings import get_settings
from bot.venues.champion_csv import import_champions
from bot.venues.csvio import ImportFailed, ImportReport
from bot.venues.help_desk import PAGE_SIZE, HelpDesk
from bot.venues.help_text import render_help_text
from bot.venues.needs import NEEDS
from bot.venues.search import VenueMatch
from bot.venues.session_csv import import_sessions
from bot.venues.venue_csv import export_venues, import_venues


def _run_import(
    importer: Callable[..., ImportReport], path: Path, replace: bool, *, postcodes_needed: bool = False
) -> None:
    prepare_database()
    try:
        with session_scope(get_settings().database_url) as session:
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
    with session_scope(get_settings().database_url) as session:
        count = export_venues(session, output)
    if output is not sys.stdout:
        click.echo(f"Exported {count} venues.", err=True)


def _location_text(postcode: str | None, place: str | None, lat: float | None, lon: float | None) -> str:
    """The location as the conversation keeps it: what the resident typed, or "geo:<lat>,<lon>"."""
    given = sum(value is not None for value in (postcode, place)) + (lat is not None or lon is not None)
    if given != 1 or (lat is None) != (lon is None):
        raise click.UsageError("Give one of --postcode, --place, or --lat with --lon.")
    if lat is not None and lon is not None:
        return f"geo:{lat},{lon}"
    return postcode or place or ""


def _as_json(venue: VenueMatch) -> dict[str, object]:
    upcoming = venue.next_session
    return {
        "name": venue.name,
        "address": venue.address,
        "postcode": venue.postcode,
        "distance_km": round(venue.distance_km, 3),
        "distance_miles": round(venue.distance_miles, 2),
        "latitude": venue.latitude,
        "longitude": venue.longitude,
        "phone": venue.phone,
        "accessibility": list(venue.key_accessibility),
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
@click.option("--lat", type=float, help="Latitude (with --lon), as a location shared on Telegram.")
@click.option("--lon", type=float, help="Longitude (with --lat).")
@click.option("--need", help="older_people, sight_loss, hearing_loss, autism, learning_disability or arts.")
@click.option("--more", "offset", type=click.IntRange(0), default=0, help="Skip this many, as 'More' does.")
@click.option("--limit", type=click.IntRange(1, 100), default=PAGE_SIZE, show_default=True)
@click.option("--feature", "features", multiple=True, type=click.Choice(FEATURES), help="Required facility.")
@click.option("--language", help="A language spoken at the venue.")
@click.option("--within-days", type=click.IntRange(0, 366), help="Only venues with a session this soon.")
@click.option("--sms", is_flag=True, help="The reply as an SMS gets it.")
@click.option("--json", "as_json", is_flag=True, help="Print the venues as a JSON list, nearest first.")
def nearest_command(
    postcode: str | None,
    place: str | None,
    lat: float | None,
    lon: float | None,
    need: str | None,
    offset: int,
    limit: int,
    features: tuple[str, ...],
    language: str | None,
    within_days: int | None,
    sms: bool,
    as_json: bool,
) -> None:
    """What residents are told when they ask for help near a postcode, place or point.

    The same search and reply as the conversation: the need's sessions first (general help when
    none), within 10 miles, or 25 when nothing is that close.
    """
    if need is not None and need not in NEEDS:
        raise click.BadParameter(f"unknown need '{need}'.", param_hint="--need")
    location = _location_text(postcode, place, lat, lon)
    prepare_database()
    with (
        HelpDesk.from_settings(get_settings()) as desk,
        session_scope(get_settings().database_url) as session,
    ):
        ensure_postcodes(session)
        result = desk.search(
            session,
            location,
            need,
            offset,
            limit=limit,
            features=features,
            language=language,
            within_days=within_days,
        )
    if not result.ok:
        raise click.ClickException(render_help_text(result))
    if as_json:
        click.echo(json.dumps([_as_json(venue) for venue in result.venues], indent=2))
        if result.location is not None and result.location.from_ordnance_survey:
            click.echo(ATTRIBUTION, err=True)
        return
    click.echo(render_help_text(result, sms=sms))
