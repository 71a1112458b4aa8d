"""Flyers from a migrated database, rendered by poppler as a printer would, and their QR code read back.

Needs poppler-utils (pdftoppm, pdftotext, pdfinfo), which `make test` installs: without it these tests
fail, never skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

import bot.cli.champions  # noqa: F401
from bot.champions.codes import CODE_PATTERN, ensure_codes
from bot.champions.flyer import FlyerUnavailable, flyer_for
from bot.champions.links import deep_link, sms_keyword_text
from bot.cli import cli
from bot.db.models import DigitalChampion, Organisation, Venue
from bot.local import cached_local
from bot.settings import Settings, get_settings
from tests.conftest import Factory

SETTINGS = Settings(telegram_bot_username="GetOnlineLeedsBot", sms_number="07700 900123")
A5_POINTS = (419.53, 595.28)  # 148 x 210 mm
DPI = 150


@pytest.fixture(scope="module")
def poppler() -> None:
    missing = [tool for tool in ("pdftoppm", "pdftotext", "pdfinfo") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: install Debian's poppler-utils (make system-packages)")


def champion(session: Session, code: str | None = "LIB-CENTRAL", **fields: object) -> DigitalChampion:
    organisation = session.scalar(select(Organisation).where(Organisation.name == "Leeds Libraries"))
    if organisation is None:
        organisation = Organisation(name="Leeds Libraries")
    values: dict[str, object] = {
        "name": "Library Digital Champion",
        "areas": ["City Centre"],
        "languages": [],
    }
    values.update(fields)
    row = DigitalChampion(organisation=organisation, referral_code=code, **values)
    session.add(row)
    session.flush()
    return row


def render(pdf: bytes, directory: Path) -> tuple[dict[str, str], Image.Image, str]:
    """pdfinfo's fields, page 1 rendered at 150 dpi, and the text layer with whitespace collapsed."""
    path = directory / "flyer.pdf"
    path.write_bytes(pdf)
    info_text = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    info = dict(line.split(":", 1) for line in info_text.splitlines() if ":" in line)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(path), str(directory / "page")], check=True)
    pages = sorted(directory.glob("page*.png"))
    assert len(pages) == 1, pages
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return {key: value.strip() for key, value in info.items()}, Image.open(pages[0]), " ".join(text.split())


def check_flyer(pdf: bytes, code: str, from_name: str, directory: Path) -> None:
    info, page, text = render(pdf, directory)
    width, height = (float(n) for n in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (round(width, 2), round(height, 2)) == A5_POINTS and info["Pages"] == "1"
    # 148 x 210 mm at 150 dpi is 874 x 1240 pixels (poppler rounds up).
    assert abs(page.width - 874) <= 1 and abs(page.height - 1240) <= 1
    assert [found.text for found in zxingcpp.read_barcodes(page)] == [
        deep_link(code, SETTINGS.telegram_bot_username)
    ]

    local = cached_local(SETTINGS.local_file)
    assert code in text and from_name in text
    assert sms_keyword_text(code, SETTINGS.sms_number) in text
    assert f"No smartphone? Text HELLO {code} to 07700 900123" in text
    assert local.helpline.phone in text and local.programme in text
    assert "Scan with your phone camera" in text
    assert "We don't need your name. Type FORGET ME to delete your messages." in text
    assert "Free help to get online in Leeds" in text
    assert code in info["Title"] and info["Author"] == local.programme and from_name in info["Subject"]
    assert b"/Lang (en-GB)" in pdf


def test_a_champions_flyer_prints_and_scans(db_session: Session, tmp_path: Path, poppler: None) -> None:
    row = champion(db_session)
    pdf = flyer_for(db_session, "champion", row.id, settings=SETTINGS)
    check_flyer(pdf, "LIB-CENTRAL", "Library Digital Champion, Leeds Libraries", tmp_path)


def test_a_venues_flyer_gets_a_new_code_then_prints_and_scans(
    db_session: Session, factory: Factory, tmp_path: Path, poppler: None
) -> None:
    venue = factory.venue(name="Compton Centre & Library")
    with pytest.raises(FlyerUnavailable, match="no referral code yet: run `python -m bot referral-codes`"):
        flyer_for(db_session, "venue", venue.id, settings=SETTINGS)
    ensure_codes(db_session)
    assert venue.referral_code is not None and venue.referral_code.startswith("COMPTON-")
    pdf = flyer_for(db_session, "venue", venue.id, settings=SETTINGS)
    check_flyer(pdf, venue.referral_code, "Compton Centre & Library", tmp_path)


def test_ensure_codes_fills_gaps_once_and_keeps_printed_codes(db_session: Session, factory: Factory) -> None:
    kept = champion(db_session, "LIB-CENTRAL")
    blank = champion(db_session, None, name="Hub Digital Champion")
    hidden = champion(db_session, None, name="Older people's Digital Champion", active=False)
    reserved = factory.venue(name="Hub Centre", referral_code="HUB-22", active=False)
    venues = [factory.venue(name="Hub Centre") for _ in range(3)]

    entries = ensure_codes(db_session)
    assert kept.referral_code == "LIB-CENTRAL" and hidden.referral_code is None
    assert reserved.referral_code == "HUB-22"
    codes = [blank.referral_code, *(venue.referral_code for venue in venues)]
    assert all(code and CODE_PATTERN.fullmatch(code) for code in codes)
    assert len(set(codes) | {"LIB-CENTRAL", "HUB-22"}) == len(codes) + 2  # unique across both tables
    assert [(e.kind, e.is_new) for e in entries] == [("champion", True), ("champion", False)] + [
        ("venue", True)
    ] * 3
    assert entries[1].name == "Library Digital Champion, Leeds Libraries"

    again = ensure_codes(db_session)
    assert not any(entry.is_new for entry in again)
    assert [entry.code for entry in again] == [entry.code for entry in entries]


def test_no_flyer_for_what_should_not_be_printed(db_session: Session) -> None:
    hidden = champion(db_session, "HIDDEN-1", active=False)
    bad = champion(db_session, "LIB CENTRAL", name="Hub Digital Champion")
    cases = [
        ("champion", 999, "There is no champion with id 999"),
        ("champion", hidden.id, "is hidden"),
        ("champion", bad.id, "not a valid referral code"),
        ("organisation", 1, "only for a champion or a venue"),
    ]
    for kind, id_, message in cases:
        with pytest.raises(LookupError, match=message):
            flyer_for(db_session, kind, id_, settings=SETTINGS)  # type: ignore[arg-type]


@pytest.fixture
def cli_env(migrated_url: str, monkeypatch: pytest.MonkeyPatch, app_settings: None) -> None:
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "GetOnlineLeedsBot")
    monkeypatch.setenv("SMS_NUMBER", "07700 900123")
    get_settings.cache_clear()


def test_the_commands_give_codes_and_write_a_flyer(
    db_session: Session, factory: Factory, cli_env: None, tmp_path: Path, poppler: None
) -> None:
    row = champion(db_session)
    venue = factory.venue(name="Reginald Centre")
    db_session.commit()

    listed = CliRunner().invoke(cli, ["referral-codes"], catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    assert f"champion\t{row.id}\tLibrary Digital Champion, Leeds Libraries\tLIB-CENTRAL\t" in listed.stdout
    assert "https://t.me/GetOnlineLeedsBot?start=LIB-CENTRAL" in listed.stdout
    code = db_session.scalar(
        select(Venue.referral_code).where(Venue.id == venue.id).execution_options(populate_existing=True)
    )
    assert (
        code
        and f"venue\t{venue.id}\tReginald Centre\t{code} (new)\thttps://t.me/GetOnlineLeedsBot?start={code}"
        in listed.stdout
    )

    out = tmp_path / "out" / "reginald.pdf"
    out.parent.mkdir()
    written = CliRunner().invoke(
        cli, ["flyer", "venue", str(venue.id), "-o", str(out)], catch_exceptions=False
    )
    assert written.exit_code == 0, written.output
    check_flyer(out.read_bytes(), code, "Reginald Centre", tmp_path)

    missing = CliRunner().invoke(cli, ["flyer", "champion", "999", "-o", str(out)])
    assert missing.exit_code == 1 and "There is no champion with id 999" in missing.output
