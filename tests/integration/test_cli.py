"""The database and venue commands, run as staff and the Makefile run them, on both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import bot.cli.database
import bot.cli.venues  # noqa: F401
from bot.cli import cli
from bot.geo.codepoint import ATTRIBUTION
from bot.settings import ROOT, get_settings

VENUES = """name,address,postcode,latitude,longitude,step_free
Central Library,"Calverley Street, Leeds",LS1 3AB,,,yes
Playhouse,"Playhouse Square, Leeds",LS2 7UP,,,no
Otley Library,"Nelson Street, Otley",LS21 1EZ,,,yes
"""


@pytest.fixture
def env(
    database_url: str, codepoint_dir: Path, monkeypatch: pytest.MonkeyPatch, app_settings: None
) -> dict[str, str]:
    """Settings for a fresh database, the small Code-Point file, and no sample data."""
    values = {
        "DATABASE_URL": database_url,
        "CODEPOINT_DIR": str(codepoint_dir),
        "POSTCODE_AREAS": "LS",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return values


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_setup_db_migrates_loads_postcodes_and_seeds_once(env: dict[str, str]) -> None:
    first = run("setup-db")
    assert first.exit_code == 0, first.output
    assert "LS" in first.output and "12 postcodes" in first.output
    assert "Seeded sample data" in first.output
    second = run("setup-db")
    assert second.exit_code == 0
    assert "Loading" not in second.output and "Seeded" not in second.output
    assert "Database ready." in second.output


def test_import_then_nearest_as_json(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "venues.csv"
    path.write_text(VENUES, encoding="utf-8")
    imported = run("import-venues", str(path))
    assert imported.exit_code == 0, imported.output
    assert "3 added" in imported.output

    found = run("nearest", "--postcode", "LS1 1AZ", "--limit", "2", "--json")
    assert found.exit_code == 0, found.output
    rows = json.loads(found.stdout)
    assert [row["name"] for row in rows] == ["Central Library", "Playhouse"]
    assert {"name", "address", "postcode", "distance_km"} <= rows[0].keys()
    assert rows[0]["distance_km"] < rows[1]["distance_km"]
    assert rows[0]["postcode"] == "LS1 3AB" and rows[0]["accessibility"] == ["step-free"]

    by_point = run("nearest", "--lat", "53.905", "--lon", "-1.69", "--json", "--limit", "1")
    assert json.loads(by_point.stdout)[0]["name"] == "Otley Library"
    text = run("nearest", "--postcode", "LS21 1EZ")
    assert text.output.startswith("Help near LS21 1EZ:\n1. Otley Library, under 0.1 miles.")
    assert ATTRIBUTION in text.output
    filtered = run("nearest", "--postcode", "LS2 7UP", "--feature", "step_free", "--json")
    assert "Playhouse" not in [row["name"] for row in json.loads(filtered.stdout)]


def test_nearest_says_what_the_conversation_says(env: dict[str, str], tmp_path: Path) -> None:
    """The same search and words: the need's sessions or general help, 10 miles widened to 25."""
    path = tmp_path / "venues.csv"
    path.write_text(VENUES, encoding="utf-8")
    run("import-venues", str(path))
    wide = run("nearest", "--lat", "54.10", "--lon", "-1.69")  # 13 miles north of Otley Library
    assert wide.exit_code == 0, wide.output
    assert wide.output.startswith("There is nothing within 10 miles of your location, so I looked further.")
    needing = run("nearest", "--postcode", "LS1 1AZ", "--need", "older_people")
    assert needing.output.startswith("I can't find sessions for older people near you.")
    by_sms = run("nearest", "--postcode", "LS1 1AZ", "--sms")
    assert "\n- Central Library" in by_sms.output and "(c) Crown" in by_sms.output
    assert run("nearest", "--postcode", "LS1 1AZ", "--need", "juggling").exit_code != 0


def test_bad_locations_exit_non_zero_with_the_residents_message(env: dict[str, str]) -> None:
    malformed = run("nearest", "--postcode", "LS1 1A")
    assert malformed.exit_code != 0 and "That postcode doesn't look right." in malformed.output
    unknown = run("nearest", "--postcode", "LS1 1ZZ")
    assert unknown.exit_code != 0 and "I can't find that postcode." in unknown.output
    place = run("nearest", "--place", "Narnia")
    assert place.exit_code != 0 and "I don't know that place." in place.output
    assert run("nearest").exit_code != 0


def test_a_bad_file_imports_nothing_and_names_the_rows(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "venues.csv"
    path.write_text(VENUES + "Broken,,NOT A POSTCODE,,\n", encoding="utf-8")
    result = run("import-venues", str(path))
    assert result.exit_code == 1
    assert (
        "venues.csv row 5: postcode 'NOT A POSTCODE' is not a full UK postcode, like LS9 7BG" in result.output
    )
    assert "Nothing imported" in result.output
    assert json.loads(run("nearest", "--lat", "53.8", "--lon", "-1.5", "--json").stdout) == []


def test_export_sessions_champions_and_load_postcodes(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "venues.csv"
    path.write_text(VENUES, encoding="utf-8")
    run("import-venues", str(path))
    sessions = tmp_path / "sessions.csv"
    sessions.write_text(
        "venue,title,recurrence,day,start_time\nPlayhouse,Drop-in,weekly,Tue,10am\n", encoding="utf-8"
    )
    assert "1 added" in run("import-sessions", str(sessions)).output
    champions = tmp_path / "champions.csv"
    champions.write_text("name,contact\nLibrary Digital Champion,Ask at the desk\n", encoding="utf-8")
    assert "1 added" in run("import-champions", str(champions)).output
    exported = run("export-venues")
    assert exported.stdout.splitlines()[0].startswith("name,address,postcode,latitude,longitude")
    assert len(exported.stdout.splitlines()) == 4
    loaded = run("load-postcodes", "--areas", "ls")
    assert loaded.exit_code == 0 and "Loaded 12 postcodes" in loaded.output
    missing = run("load-postcodes", "--areas", "ZZ")
    assert missing.exit_code == 1 and "ZZ" in missing.output


def test_python_dash_m_bot_runs_the_commands(env: dict[str, str]) -> None:
    """The real entry point: `python -m bot nearest` with a malformed postcode fails clearly."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "nearest", "--postcode", "XX99 9XXX", "--json"],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "That postcode doesn't look right." in result.stderr
