from __future__ import annotations

import os
from pathlib import Path

from bot.geo.gazetteer import EMPTY, load_gazetteer

HEADER = "name,kind,latitude,longitude,outcodes,aliases\n"


def _write(path: Path, rows: str) -> Path:
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_places_are_found_by_name_alias_or_inside_a_sentence(tmp_path: Path) -> None:
    gazetteer = load_gazetteer(
        _write(
            tmp_path / "places.csv",
            "Armley,neighbourhood,53.798,-1.589,LS12,armly\n"
            "Armley Moor,area,53.800,-1.599,LS12,\n"
            "Harehills,neighbourhood,53.814,-1.508,LS8|LS9,hare hills\n",
        )
    )
    assert gazetteer.find("Armley").name == "Armley"  # type: ignore[union-attr]
    assert gazetteer.find("armly!").name == "Armley"  # type: ignore[union-attr]
    assert gazetteer.find("I live in Hare Hills near the park").name == "Harehills"  # type: ignore[union-attr]
    # The longest name wins: "Armley Moor" is not "Armley".
    assert gazetteer.find("by armley moor please").name == "Armley Moor"  # type: ignore[union-attr]
    assert gazetteer.find("Manchester") is None
    assert gazetteer.find("   ") is None


def test_a_missing_file_gives_an_empty_gazetteer(tmp_path: Path) -> None:
    assert load_gazetteer(tmp_path / "none.csv") is EMPTY


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = _write(tmp_path / "places.csv", "Armley,neighbourhood,53.798,-1.589,LS12,\n")
    assert load_gazetteer(path).find("Morley") is None
    _write(path, "Morley,town,53.741,-1.601,LS27,\n")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert load_gazetteer(path).find("Morley") is not None
