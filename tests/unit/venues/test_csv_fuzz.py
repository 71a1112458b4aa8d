"""CSV imports fuzzed: whatever staff upload, the import either writes every row or none, and a
failure names rows that exist. It never fails any other way."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import HelpSession, Venue
from bot.geo.codepoint import load_postcodes
from bot.venues.csvio import ImportFailed, ImportReport
from bot.venues.session_csv import import_sessions
from bot.venues.venue_csv import import_venues
from tests.conftest import CODEPOINT_LS

ODD = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
CELLS = {
    "name": st.one_of(st.sampled_from(["Central Library", "Hub", "", " "]), ODD),
    "address": st.one_of(st.just("1 Street, Leeds"), ODD),
    "postcode": st.one_of(
        st.sampled_from([row[0] for row in CODEPOINT_LS] + ["", "LS99 9ZZ", "ls11az"]), ODD
    ),
    "latitude": st.one_of(st.just(""), st.floats(allow_nan=True, allow_infinity=True).map(str), ODD),
    "longitude": st.one_of(st.just(""), st.floats(-3, 1).map(str), ODD),
    "step_free": st.sampled_from(["yes", "no", "", "maybe", "TRUE"]),
    "active": st.sampled_from(["yes", "no", ""]),
}
SESSION_CELLS = {
    "venue": st.one_of(st.just("Central Library"), ODD),
    "title": st.one_of(st.just("Drop-in"), ODD),
    "recurrence": st.sampled_from(["weekly", "fortnightly", "monthly", "once", "daily", ""]),
    "day": st.sampled_from(["Monday", "Tue", "", "Funday"]),
    "date": st.sampled_from(["", "2026-12-07", "31/02/2026", "tomorrow"]),
    "start_time": st.sampled_from(["10:00", "25:00", "", "10am", "9.30"]),
    "end_time": st.sampled_from(["12:00", "09:00", "", "noon"]),
}


def table(columns: dict[str, st.SearchStrategy[str]], rows: int = 6) -> st.SearchStrategy[str]:
    def write(data: list[dict[str, str]]) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(data)
        return out.getvalue()

    return st.lists(st.fixed_dictionaries(columns), min_size=0, max_size=rows).map(write)


@pytest.fixture
def placed(db_session: Session, codepoint_dir: Path) -> Session:
    load_postcodes(db_session, ["LS"], data_dir=codepoint_dir)
    db_session.commit()
    return db_session


@pytest.fixture
def with_venue(placed: Session) -> Session:
    placed.add(Venue(name="Central Library", address="", postcode="LS1 3AB", latitude=53.8, longitude=-1.55))
    placed.commit()
    return placed


def _data_rows(text: str) -> int:
    """The rows with something in them after the header, as the importer reads the file."""
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    return sum(any(cell.strip() for cell in row) for row in rows)


def _all_or_nothing(
    session: Session, model: type, text: str, importer: Callable[[Session, str], ImportReport]
) -> None:
    lines = max(0, text.count("\n") - 1)
    savepoint = session.begin_nested()
    before = session.scalar(select(func.count()).select_from(model)) or 0
    try:
        report = importer(session, text)
    except ImportFailed as failure:
        assert failure.errors, "a failure says why"
        assert session.scalar(select(func.count()).select_from(model)) == before, "nothing written"
        assert all(1 <= error.row <= lines + 1 for error in failure.errors), failure.errors
    else:
        # Every row: each one a new listing (repeats fail), all of them in the table.
        assert report.created == _data_rows(text) and report.updated == report.deleted == 0, report
        assert session.scalar(select(func.count()).select_from(model)) == before + report.created
    finally:
        savepoint.rollback()


# Files that import, so the success half runs whatever the examples drawn.
GOOD_VENUES = (
    "name,address,postcode,latitude,longitude\nCentral Library,1 Street,LS1 3AB,,\nHub,,,53.8,-1.5\n"
)
GOOD_SESSIONS = "venue,title,recurrence,day,start_time\nCentral Library,Drop-in,weekly,Tue,10am\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=table(CELLS))
@example(text=GOOD_VENUES)
def test_venue_imports_are_all_or_nothing(placed: Session, text: str) -> None:
    _all_or_nothing(placed, Venue, text, import_venues)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=table(SESSION_CELLS))
@example(text=GOOD_SESSIONS)
def test_session_imports_are_all_or_nothing(with_venue: Session, text: str) -> None:
    _all_or_nothing(with_venue, HelpSession, text, import_sessions)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300).map(lambda b: b.decode("utf-8", "replace")))
def test_any_bytes_at_all(placed: Session, raw: str) -> None:
    _all_or_nothing(placed, Venue, raw, import_venues)
