from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.admin.stale import listing_counts, mark_checked, months_before, stale_listings
from bot.db.models import AuditEntry, DigitalChampion
from tests.conftest import Factory

TODAY = date(2026, 8, 31)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 8, 31), date(2026, 2, 28)),
        (date(2026, 3, 15), date(2025, 9, 15)),
        (date(2026, 1, 1), date(2025, 7, 1)),
    ],
)
def test_six_months_before(day: date, expected: date) -> None:
    assert months_before(day, 6) == expected


def test_listings_shown_to_residents_and_not_checked_for_six_months_never_checked_first(
    db_session: Session, factory: Factory
) -> None:
    fresh = factory.venue(name="Fresh", last_verified=date(2026, 5, 1))
    old = factory.venue(name="Old", last_verified=date(2025, 12, 1))
    never = factory.venue(name="Never")
    factory.venue(name="Hidden", active=False)
    factory.help_session(fresh, title="Drop-in", last_verified=date(2026, 8, 1))
    factory.help_session(old, title="Old drop-in")
    db_session.add(DigitalChampion(name="Champ", areas=[], languages=[], last_verified=date(2026, 2, 27)))
    db_session.commit()
    groups = {group.kind.key: group for group in stale_listings(db_session, TODAY)}
    assert [item.name for item in groups["venue"].listings] == ["Never", "Old"]
    assert groups["venue"].total == 2
    assert [item.name for item in groups["help-session"].listings] == ["Old drop-in at Old"]
    assert [item.name for item in groups["digital-champion"].listings] == ["Champ"]
    assert listing_counts(db_session, TODAY)["stale"] == 4
    assert never.id in {item.id for item in groups["venue"].listings}


def test_still_right_records_todays_check_in_the_audit_log(db_session: Session, factory: Factory) -> None:
    venue = factory.venue(name="Old", last_verified=date(2025, 1, 2))
    db_session.commit()
    assert mark_checked(db_session, "venue", venue.id, "a@leeds.gov.uk", TODAY) == "Old"
    db_session.commit()
    assert venue.last_verified == TODAY
    entry = db_session.scalars(select(AuditEntry)).one()
    assert entry.changes == {"last_verified": ["2025-01-02", "2026-08-31"]}
    assert entry.entity == "venue" and entry.entity_id == str(venue.id)
    assert mark_checked(db_session, "venue", 999, "a", TODAY) is None
    assert mark_checked(db_session, "nonsense", venue.id, "a", TODAY) is None
