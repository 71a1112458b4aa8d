"""Sample listings for a fresh database, from `content/venues/` (CSV files staff can edit).

They are seeded only into an empty database (no venues, sessions, champions or organisations),
so running setup again never brings back a venue staff deleted. Every sample row is marked
`is_sample`: real Leeds libraries and hubs with illustrative session times, to be checked by
staff before the bot goes live.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.db.models import DigitalChampion, HelpSession, Organisation, Venue
from bot.venues.champion_csv import import_champions
from bot.venues.csvio import ImportReport
from bot.venues.session_csv import import_sessions
from bot.venues.venue_csv import import_venues

VENUES_FILE = "venues.csv"
SESSIONS_FILE = "sessions.csv"
CHAMPIONS_FILE = "champions.csv"


@dataclass(frozen=True)
class SeedReport:
    venues: ImportReport
    sessions: ImportReport
    champions: ImportReport

    def __str__(self) -> str:
        return (
            f"{self.venues.created} venues, {self.sessions.created} sessions, "
            f"{self.champions.created} Digital Champions"
        )


def is_empty(session: Session) -> bool:
    """True when no listing of any kind exists yet."""
    return not any(
        session.scalar(select(exists().where(model.id.is_not(None))))
        for model in (Venue, HelpSession, DigitalChampion, Organisation)
    )


def seed_sample_data(session: Session, directory: Path) -> SeedReport | None:
    """Import the sample files into an empty database; None (and nothing done) otherwise."""
    if not is_empty(session):
        return None
    empty = ImportReport()
    venues = import_venues(session, directory / VENUES_FILE) if (directory / VENUES_FILE).exists() else empty
    sessions = (
        import_sessions(session, directory / SESSIONS_FILE) if (directory / SESSIONS_FILE).exists() else empty
    )
    champions = (
        import_champions(session, directory / CHAMPIONS_FILE)
        if (directory / CHAMPIONS_FILE).exists()
        else empty
    )
    return SeedReport(venues, sessions, champions)
