from __future__ import annotations

from datetime import date, time
from pathlib import Path

from sqlalchemy.orm import Session

from bot.admin import checks
from bot.admin.audit import changed_fields
from bot.db.models import DigitalChampion, Network
from bot.geo.codepoint import load_postcodes
from tests.conftest import LS1_3AB, Factory


def test_only_real_changes_are_logged_in_readable_values() -> None:
    before = {
        "name": "A",
        "phone": None,
        "weekday": None,
        "network": Network.GENERAL,
        "day": date(2026, 1, 2),
    }
    after = {"name": "A", "phone": "", "weekday": 0, "network": Network.OLDER_PEOPLE, "day": date(2026, 1, 2)}
    assert changed_fields(before, after) == {"weekday": [None, 0], "network": ["general", "older_people"]}
    assert changed_fields({"start": time(10)}, {"start": time(11), "password_hash": "x"}) == {
        "start": ["10:00:00", "11:00:00"]
    }


def test_a_postcode_is_placed_or_the_reason_given(db_session: Session, codepoint_dir: Path) -> None:
    load_postcodes(db_session, ["LS"], data_dir=codepoint_dir)
    placed = checks.place_postcode(db_session, "ls1 3ab", None)
    assert isinstance(placed, tuple) and abs(placed[0] - LS1_3AB[0]) < 1e-5
    assert "could not find the postcode LS1 1ZZ" in str(checks.place_postcode(db_session, "LS1 1ZZ", None))
    assert "no exact position" in str(checks.place_postcode(db_session, "LS1 9XX", None))
    assert "not a full UK postcode" in str(checks.place_postcode(db_session, "LS1", None))


def test_referral_codes_are_unique_across_venues_and_champions(db_session: Session, factory: Factory) -> None:
    venue = factory.venue(name="Hub", referral_code="HUB-22")
    db_session.add(DigitalChampion(name="Jo", areas=[], languages=[], referral_code="JO-33"))
    db_session.flush()
    assert checks.referral_code_problem(db_session, "HUB-22", venue_id=venue.id, champion_id=None) is None
    assert "venue Hub" in str(
        checks.referral_code_problem(db_session, "HUB-22", venue_id=None, champion_id=None)
    )
    assert "champion Jo" in str(
        checks.referral_code_problem(db_session, "JO-33", venue_id=venue.id, champion_id=None)
    )
    assert "capital letters" in str(
        checks.referral_code_problem(db_session, "no good!", venue_id=None, champion_id=None)
    )


def test_venue_names_are_unique_at_a_postcode(db_session: Session, factory: Factory) -> None:
    venue = factory.venue(name="Central Library", postcode="LS1 3AB")
    assert checks.venue_clash(db_session, "central library", "LS1 3AB", None)
    assert checks.venue_clash(db_session, "Central Library", "LS1 3AB", venue.id) is None
    assert checks.venue_clash(db_session, "Central Library", "LS2 7UP", None) is None
