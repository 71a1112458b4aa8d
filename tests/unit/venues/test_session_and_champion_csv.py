from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import DigitalChampion, HelpSession, Network, Recurrence
from bot.venues.champion_csv import import_champions
from bot.venues.csvio import ImportFailed
from bot.venues.session_csv import import_sessions
from tests.conftest import Factory

HEADER = "venue,venue_postcode,title,network,recurrence,day,week_of_month,date,start_time,end_time"


@pytest.fixture
def venues(factory: Factory) -> Factory:
    factory.venue(name="Central Library", postcode="LS1 3AB")
    factory.venue(name="Hub", postcode="LS9 7BG")
    factory.venue(name="Hub", postcode="LS12 1UQ")
    return factory


def test_sessions_of_each_kind_are_imported(venues: Factory) -> None:
    text = "\n".join(
        [
            HEADER,
            "central library,,Drop-in,,weekly,Mon,,,10:00,12pm",
            "Hub,LS9 7BG,Tea club,Older People,monthly,Tuesday,last,,2pm,",
            "Hub,ls12 1uq,Quiet help,autism_learning_disabilities,fortnightly,,,2026-01-08,10:00,11:30",
            "Central Library,,Talk,Arts and Culture,one-off,,,31/01/2026,18:00,",
        ]
    )
    report = import_sessions(venues.session, text)
    assert report.created == 4
    rows = {row.title: row for row in venues.session.scalars(select(HelpSession))}
    assert rows["Drop-in"].weekday == 0 and rows["Drop-in"].end_time == time(12)
    assert rows["Tea club"].network is Network.OLDER_PEOPLE and rows["Tea club"].week_of_month == -1
    assert rows["Quiet help"].weekday == 3  # taken from the date, a Thursday
    assert rows["Talk"].recurrence is Recurrence.ONCE and rows["Talk"].start_date == date(2026, 1, 31)
    # Importing the same file again updates rather than duplicates.
    assert import_sessions(venues.session, text).updated == 4


def test_session_rows_are_checked(venues: Factory) -> None:
    text = "\n".join(
        [
            HEADER,
            "Nowhere,,Drop-in,,weekly,Mon,,,10:00,",
            "Hub,,Drop-in,,weekly,Mon,,,10:00,",
            "Central Library,,Drop-in,,weekly,,,,10:00,",
            "Central Library,,Drop-in,,monthly,Mon,,,10:00,",
            "Central Library,,Drop-in,,fortnightly,Mon,,2026-01-08,10:00,",
            "Central Library,,Drop-in,,weekly,Mon,,,10:00,9:00",
            "Central Library,,Drop-in,sport,daily,Mon,,,10,",
        ]
    )
    with pytest.raises(ImportFailed) as failure:
        import_sessions(venues.session, text)
    messages = [str(error) for error in failure.value.errors]
    assert "row 2: no venue called 'Nowhere' (import the venues first)" in messages
    assert "row 3: several venues are called 'Hub': add venue_postcode" in messages
    assert "row 4: a weekly session needs a day" in messages
    assert "row 5: a monthly session needs week_of_month (1, 2, 3, 4 or last)" in messages
    assert "row 6: 08/01/2026 is a Thursday, not the day given" in messages
    assert "row 7: end_time is not after start_time" in messages
    assert sum(message.startswith("row 8:") for message in messages) == 3
    assert venues.session.scalars(select(HelpSession)).all() == []


def test_champions_are_imported_and_matched_by_referral_code(db_session: Session) -> None:
    header = "name,organisation,areas,languages,contact,referral_code"
    import_champions(
        db_session,
        f"{header}\nAmina,Leeds Libraries,Harehills | Gipton,English | Urdu,Ask at the desk,hub-1\n",
    )
    report = import_champions(
        db_session, f"{header}\nAmina,Leeds Libraries,Harehills,English,Call 0113,HUB-1\n"
    )
    assert report.updated == 1
    champion = db_session.scalars(select(DigitalChampion)).one()
    assert (champion.areas, champion.languages, champion.contact) == (["Harehills"], ["English"], "Call 0113")
    assert champion.referral_code == "HUB-1" and champion.organisation.name == "Leeds Libraries"  # type: ignore[union-attr]
    with pytest.raises(ImportFailed, match="row 2: contact is empty"):
        import_champions(db_session, f"{header}\nSam,,,,,\n")
