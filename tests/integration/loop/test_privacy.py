"""Forget me removes bookings (the place given back) and funnel steps; the purge unlinks old ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Booking, LoopEvent, LoopStep
from bot.loop.booking import book, places_left
from bot.loop.events import record_steps
from bot.loop.privacy import forget_loop, purge_loop
from tests.conftest import Factory

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
STARTS = datetime(2026, 12, 8, 10, tzinfo=UTC)


def test_forget_me_gives_the_place_back_and_leaves_nothing(db_session: Session, factory: Factory) -> None:
    help_session = factory.help_session(factory.venue(), booking_required=True, capacity=2)
    book(db_session, session_id=help_session.id, starts_at=STARTS, conversation_id="me", channel="sms")
    book(db_session, session_id=help_session.id, starts_at=STARTS, conversation_id="other", channel="sms")
    record_steps(db_session, LoopStep.ASKED, "me", venue_ids=[help_session.venue_id])
    forget_loop(db_session, "me", NOW)
    assert db_session.scalars(select(Booking.conversation_id)).all() == ["other"]
    assert db_session.scalar(select(func.count()).select_from(LoopEvent)) == 0
    assert places_left(db_session, help_session, STARTS) == 1


def test_the_purge_keeps_counts_but_not_the_person(db_session: Session, factory: Factory) -> None:
    help_session = factory.help_session(factory.venue())
    book(db_session, session_id=help_session.id, starts_at=STARTS, conversation_id="me", channel="sms")
    record_steps(db_session, LoopStep.ASKED, "me", venue_ids=[help_session.venue_id], day=NOW.date())
    db_session.flush()
    purge_loop(db_session, datetime.now(UTC) + timedelta(days=1))
    assert db_session.scalars(select(Booking.conversation_id)).all() == [""]
    assert db_session.scalars(select(LoopEvent.person)).all() == [None]
