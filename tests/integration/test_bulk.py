"""The bulk helpers write exactly what the ORM would, on both backends."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.bulk import insert_rows, update_rows
from bot.db.models import Venue

TABLE = Venue.__table__


def _row(name: str, **more: object) -> dict[str, object]:
    return {
        "name": name,
        "address": "",
        "postcode": None,
        "latitude": 53.8,
        "longitude": -1.55,
        "step_free": True,
        "last_verified": date(2026, 1, 31),
        **more,
    }


def test_rows_go_in_and_are_updated_by_id(db_session: Session) -> None:
    insert_rows(db_session.connection(), TABLE, [_row("A"), _row("B", step_free=False, last_verified=None)])  # type: ignore[arg-type]
    venues = {venue.name: venue for venue in db_session.scalars(select(Venue))}
    assert venues["A"].step_free is True and venues["A"].last_verified == date(2026, 1, 31)
    assert venues["B"].step_free is False and venues["B"].last_verified is None
    assert venues["A"].active is True  # a server default fills what the rows leave out
    update_rows(
        db_session.connection(),
        TABLE,  # type: ignore[arg-type]
        [{"id": venues["B"].id, "name": "B2", "latitude": 54.0}],
    )
    db_session.expire_all()
    b = db_session.get(Venue, venues["B"].id)
    assert b is not None and (b.name, b.latitude, b.longitude) == ("B2", 54.0, -1.55)
    assert db_session.get(Venue, venues["A"].id).name == "A"  # type: ignore[union-attr]


def test_rows_must_share_their_columns(db_session: Session) -> None:
    with pytest.raises(ValueError, match="same columns"):
        insert_rows(db_session.connection(), TABLE, [_row("A"), {"name": "B"}])  # type: ignore[arg-type]
    insert_rows(db_session.connection(), TABLE, [])  # type: ignore[arg-type]
    update_rows(db_session.connection(), TABLE, [])  # type: ignore[arg-type]
