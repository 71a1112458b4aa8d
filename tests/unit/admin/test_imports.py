"""The admin's import preview and confirm, without HTTP: the preview never writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.admin.imports import KINDS, UploadStore, apply_import, decode_upload, preview_import
from bot.db.models import AuditEntry, Venue
from bot.geo.codepoint import load_postcodes
from bot.venues.csvio import ImportFailed

GOOD = "name,address,postcode,latitude,longitude\nCentral,Calverley Street,LS1 3AB,,\nPoint,,,53.81,-1.52\n"
BROKEN = (
    "name,address,postcode,latitude,longitude\n"
    "Central,Calverley Street,LS1 3AB,,\n"
    ",No name,LS1 3AB,,\n"
    "Bad,,LS1 1A,,\n"
)


@pytest.fixture
def with_postcodes(db_session: Session, codepoint_dir: Path) -> Session:
    load_postcodes(db_session, ["LS"], data_dir=codepoint_dir)
    db_session.commit()
    return db_session


def venues(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Venue)) or 0


def test_a_preview_of_a_good_file_says_what_would_change_and_writes_nothing(with_postcodes: Session) -> None:
    preview = preview_import(with_postcodes, KINDS["venues"], GOOD)
    assert preview.ok and preview.report is not None
    assert (preview.report.created, preview.report.updated) == (2, 0)
    assert [row.number for row in preview.rows] == [2, 3] and not any(row.problems for row in preview.rows)
    assert preview.columns[:3] == ["name", "address", "postcode"]
    assert venues(with_postcodes) == 0


def test_a_preview_shows_each_broken_row_and_writes_nothing(with_postcodes: Session) -> None:
    preview = preview_import(with_postcodes, KINDS["venues"], BROKEN)
    assert not preview.ok and preview.report is None
    problems = {row.number: row.problems for row in preview.rows}
    assert problems[2] == []
    assert problems[3] == ["name is empty"]
    assert problems[4] == ["postcode 'LS1 1A' is not a full UK postcode, like LS9 7BG"]
    assert preview.problem_rows == 2
    assert venues(with_postcodes) == 0


def test_header_problems_and_non_csv_text_are_reported_not_raised(with_postcodes: Session) -> None:
    preview = preview_import(with_postcodes, KINDS["venues"], "name,adress\nA,B\n")
    assert "missing column 'address'" in " ".join(preview.header_problems)
    assert "unknown column 'adress'" in " ".join(preview.header_problems)
    nul = preview_import(with_postcodes, KINDS["champions"], "name,contact\nA\0,B\n")
    assert not nul.ok and "not text" in nul.errors[0].message
    assert nul.errors[0].row == 2


def test_confirming_imports_all_of_it_with_one_audit_entry(with_postcodes: Session) -> None:
    report = apply_import(
        with_postcodes, KINDS["venues"], GOOD, replace=False, staff_email="a@leeds.gov.uk", filename="v.csv"
    )
    with_postcodes.commit()
    assert report.created == 2 and venues(with_postcodes) == 2
    entry = with_postcodes.scalars(select(AuditEntry)).one()
    assert (entry.staff_email, entry.action, entry.entity) == ("a@leeds.gov.uk", "import", "venues")
    assert entry.summary == "Imported v.csv (venues): 2 added, 0 updated, 0 removed"
    with pytest.raises(ImportFailed):
        apply_import(
            with_postcodes, KINDS["venues"], BROKEN, replace=False, staff_email="a", filename="b.csv"
        )


def test_excel_files_in_either_encoding_are_read() -> None:
    assert decode_upload("\ufeffname,café\n".encode()) == "name,café\n"
    assert decode_upload("name,café\n".encode("cp1252")) == "name,café\n"


class Clock:
    now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_an_upload_waits_an_hour_for_the_person_who_sent_it(tmp_path: Path) -> None:
    clock = Clock()
    store = UploadStore(tmp_path / "uploads", clock=clock)
    token = store.save(7, "venues", False, "v.csv", GOOD)
    pending = store.load(token, 7)
    assert pending is not None and pending.text == GOOD and pending.kind == "venues"
    assert store.load(token, 8) is None, "another member of staff cannot confirm it"
    assert store.load("../../etc/passwd", 7) is None
    clock.now += 3601
    assert store.load(token, 7) is None
    store.sweep()
    assert list((tmp_path / "uploads").iterdir()) == []


def test_a_discarded_upload_is_gone(tmp_path: Path) -> None:
    store = UploadStore(tmp_path)
    token = store.save(1, "sessions", True, "s.csv", "x")
    store.discard(token)
    assert store.load(token, 1) is None
