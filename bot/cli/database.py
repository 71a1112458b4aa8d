"""`setup-db` and `load-postcodes`: bring a database to a working state, quickly when it already is."""

from __future__ import annotations

import time
from collections.abc import Callable

import click
from sqlalchemy import exists, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.cli import cli
from bot.db.migrate import schema_problem, upgrade
from bot.db.models import PostcodePoint
from bot.db.session import session_scope
from bot.geo.codepoint import ATTRIBUTION, CodePointMissing, load_postcodes, parse_areas
from bot.settings import get_settings
from bot.venues.seed import seed_sample_data


def prepare_database() -> None:
    """Apply any pending migrations (every database command starts here)."""
    if upgrade(get_settings().database_url):
        click.echo("Database schema brought up to date.", err=True)


def _progress(started: float) -> Callable[[str, int], None]:
    def report(area: str, count: int) -> None:
        click.echo(f"  {area:<2} {count:>9,} postcodes  ({time.perf_counter() - started:5.1f} s)", err=True)

    return report


def load_areas(session: Session, areas: list[str] | None) -> int:
    """Load Code-Point Open for `areas` (None: all of Great Britain), showing progress."""
    what = ", ".join(areas) if areas is not None else "all of Great Britain"
    click.echo(f"Loading Code-Point Open postcodes for {what}...", err=True)
    total = load_postcodes(
        session, areas, data_dir=get_settings().codepoint_dir, progress=_progress(time.perf_counter())
    )
    click.echo(f"Loaded {total:,} postcodes. {ATTRIBUTION}.", err=True)
    return total


def ensure_postcodes(session: Session) -> None:
    """Load the configured postcode areas if the postcodes table is empty."""
    if session.scalar(select(exists().where(PostcodePoint.postcode.is_not(None)))):
        return
    load_areas(session, parse_areas(get_settings().postcode_areas))


def set_up_database(*, postcodes: bool = True, sample: bool = True) -> None:
    """What `setup-db` does, for `run` too: a bot never starts on a database without its tables.

    Quick when the database is already set up (one query for the revision, one for a postcode).
    Every failure is one line (ClickException), not a traceback.
    """
    url = get_settings().database_url
    try:
        prepare_database()
        with session_scope(url) as session:
            if postcodes:
                ensure_postcodes(session)
            if sample:
                seeded = seed_sample_data(session, get_settings().content_dir / "venues")
                if seeded is not None:
                    click.echo(f"Seeded sample data: {seeded} (staff: check before going live).", err=True)
    except CodePointMissing as error:
        raise click.ClickException(str(error)) from error
    except (SQLAlchemyError, OSError) as error:  # OSError: a SQLite path that cannot be made
        reason = str(error.orig if isinstance(error, DBAPIError) else error).splitlines()[0]
        raise click.ClickException(
            f"Could not set up the database ({type(error).__name__}: {reason}): check DATABASE_URL."
        ) from error
    if problem := schema_problem(url):
        raise click.ClickException(problem)


@cli.command("setup-db")
@click.option("--skip-postcodes", is_flag=True, help="Do not load Code-Point Open postcodes.")
@click.option("--skip-sample", is_flag=True, help="Do not seed the sample venues.")
def setup_db(skip_postcodes: bool, skip_sample: bool) -> None:
    """Migrate the database, load postcodes if none are loaded, seed sample data if it is empty."""
    set_up_database(postcodes=not skip_postcodes, sample=not skip_sample)
    click.echo("Database ready.", err=True)


@cli.command("load-postcodes")
@click.option("--areas", help="Postcode areas, e.g. LS,BD (default: the POSTCODE_AREAS setting).")
@click.option("--all", "all_areas", is_flag=True, help="Load every area of Great Britain (1.7 million).")
def load_postcodes_command(areas: str | None, all_areas: bool) -> None:
    """(Re)load Ordnance Survey Code-Point Open postcodes into the database."""
    if areas and all_areas:
        raise click.UsageError("Give --areas or --all, not both.")
    prepare_database()
    wanted = None if all_areas else parse_areas(areas or get_settings().postcode_areas)
    try:
        with session_scope(get_settings().database_url) as session:
            load_areas(session, wanted)
    except CodePointMissing as error:
        raise click.ClickException(str(error)) from error
