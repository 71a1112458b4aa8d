"""Bookings on both databases: references, capacity, cancelling; and the last places taken at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import migrate
from bot.db.models import Booking, BookingStatus, SessionOccurrence
from bot.db.session import session_scope
from bot.loop.booking import (
    REFERENCE_ALPHABET,
    SessionFull,
    SessionGone,
    book,
    cancel_bookings,
    places_left,
)
from tests.conftest import Factory, postgres_schema

STARTS = datetime(2026, 12, 8, 10, tzinfo=UTC)
NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def test_a_booking_has_a_door_reference_and_asking_twice_books_once(
    db_session: Session, factory: Factory
) -> None:
    help_session = factory.help_session(factory.venue(), booking_required=True, capacity=3)
    first = book(
        db_session, session_id=help_session.id, starts_at=STARTS, conversation_id="c1", channel="sms"
    )
    again = book(
        db_session, session_id=help_session.id, starts_at=STARTS, conversation_id="c1", channel="sms"
    )
    assert first.id == again.id
    assert len(first.reference) == 6 and set(first.reference) <= set(REFERENCE_ALPHABET)
    assert first.holds_place
    assert places_left(db_session, help_session, STARTS) == 2


def test_a_full_session_refuses_and_a_cancelled_place_is_free_again(
    db_session: Session, factory: Factory
) -> None:
    help_session = factory.help_session(factory.venue(), booking_required=True, capacity=1)
    book(db_session, session_id=help_session.id, starts_at=STARTS, conversation_id="c1", channel="sms")
    with pytest.raises(SessionFull):
        book(db_session, session_id=help_session.id, starts_at=STARTS, conversation_id="c2", channel="sms")
    cancelled = cancel_bookings(db_session, "c1", now=NOW)
    assert [b.status for b in cancelled] == [BookingStatus.CANCELLED.value]
    assert places_left(db_session, help_session, STARTS) == 1
    book(db_session, session_id=help_session.id, starts_at=STARTS, conversation_id="c2", channel="sms")


def test_a_reminder_without_booking_takes_no_place(db_session: Session, factory: Factory) -> None:
    help_session = factory.help_session(factory.venue(), capacity=1)
    for conversation in ("a", "b"):
        booking = book(
            db_session,
            session_id=help_session.id,
            starts_at=STARTS,
            conversation_id=conversation,
            channel="telegram",
        )
        assert not booking.holds_place


def test_a_hidden_or_deleted_session_cannot_be_booked(db_session: Session, factory: Factory) -> None:
    hidden = factory.help_session(factory.venue(), active=False)
    with pytest.raises(SessionGone):
        book(db_session, session_id=hidden.id, starts_at=STARTS, conversation_id="c", channel="sms")
    with pytest.raises(SessionGone):
        book(db_session, session_id=999_999, starts_at=STARTS, conversation_id="c", channel="sms")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The race is PostgreSQL's (SQLite has one writer at a time): a migrated schema there."""
    with postgres_schema() as url:
        migrate.upgrade(url)
        yield url


def test_fifty_residents_booking_the_last_five_places_at_once_get_exactly_five(postgres_url: str) -> None:
    migrated_url = postgres_url
    with session_scope(migrated_url) as session:
        factory = Factory(session)
        help_session = factory.help_session(factory.venue(), booking_required=True, capacity=20)
        session_id = help_session.id
        for number in range(15):
            book(
                session,
                session_id=session_id,
                starts_at=STARTS,
                conversation_id=f"early{number}",
                channel="sms",
            )
    barrier = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(number: int) -> None:
        barrier.wait()
        try:
            with session_scope(migrated_url) as session:
                book(
                    session,
                    session_id=session_id,
                    starts_at=STARTS,
                    conversation_id=f"late{number}",
                    channel="sms",
                )
            outcome = "booked"
        except SessionFull:
            outcome = "full"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("booked") == 5 and outcomes.count("full") == 45
    with session_scope(migrated_url) as session:
        held = session.scalar(select(func.count()).select_from(Booking).where(Booking.holds_place.is_(True)))
        counted = session.scalar(select(SessionOccurrence.booked))
    assert held == counted == 20
