from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import DigitalChampion, HelpSession, Network, Venue
from bot.geo.codepoint import ATTRIBUTION, load_postcodes
from bot.geo.gazetteer import load_gazetteer
from bot.settings import get_settings
from bot.venues.help_text import SMS_BUDGET, render_help_text
from bot.venues.search import find_help
from bot.venues.seed import seed_sample_data

SAMPLE_DIR = get_settings().content_dir / "venues"
PLACES = load_gazetteer(get_settings().places_file)


def test_the_sample_files_seed_an_empty_database_once(db_session: Session) -> None:
    report = seed_sample_data(db_session, SAMPLE_DIR)
    assert report is not None and report.venues.created >= 15
    venues = db_session.scalars(select(Venue)).all()
    assert all(venue.is_sample and venue.postcode and venue.postcode.startswith("LS") for venue in venues)
    networks = set(db_session.scalars(select(HelpSession.network)))
    assert networks == set(Network), "a few sessions per network"
    assert (db_session.scalar(select(func.count()).select_from(DigitalChampion)) or 0) >= 3
    # Not empty any more: nothing is seeded again, even after staff deleted a venue.
    db_session.delete(venues[0])
    db_session.flush()
    assert seed_sample_data(db_session, SAMPLE_DIR) is None
    assert db_session.scalar(select(func.count()).select_from(Venue)) == len(venues) - 1


def test_sample_replies_fit_the_sms_budget(db_session: Session, codepoint_dir: Path) -> None:
    load_postcodes(db_session, ["LS"], data_dir=codepoint_dir)
    seed_sample_data(db_session, SAMPLE_DIR)
    now = datetime(2026, 3, 4, 9, tzinfo=UTC)
    for postcode in ("LS9 7BG", "LS12 1UQ", "LS27 8HZ", "LS22 6NL", "LS1"):
        for need in (None, "older_people", "hearing_loss", "autism", "arts"):
            result = find_help(
                db_session, postcode, need=need, now=now, gazetteer=PLACES, helpline="the library"
            )
            text = render_help_text(result, now=now)
            assert result.venues and ATTRIBUTION in text, (postcode, need)
            assert len(text) <= SMS_BUDGET, text
