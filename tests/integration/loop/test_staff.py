"""The staff side on both databases: the register, attendance, cancelling a date, closing a venue."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Booking, BookingStatus, LoopEvent, MessageStatus, OutboundMessage
from bot.loop.booking import book
from bot.loop.conversation import reference_of
from bot.loop.staff import cancel_date, close_venue, mark, register
from bot.outbound import ContactCipher, QuietHours, save_contact, schedule_message
from tests.conftest import Factory

QUIET = QuietHours()
NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
TUESDAY = datetime(2026, 12, 8, 10, tzinfo=UTC)


@pytest.fixture
def booked(db_session: Session, factory: Factory) -> tuple[int, list[Booking]]:
    """A weekly Tuesday session, two residents reminded (one on Telegram), a second venue nearby."""
    venue = factory.venue(name="Central Library", phone="0113 111 1111")
    help_session = factory.help_session(
        venue, title="Drop-in", weekday=1, start_time=time(10), end_time=time(12)
    )
    other = factory.venue(name="Oak Cafe", latitude=venue.latitude + 0.001)
    factory.help_session(other, title="Phone help", weekday=3)
    cipher = ContactCipher([Fernet.generate_key().decode()])
    rows = []
    for conversation in ("tg-1", "web-1"):
        booking = book(
            db_session,
            session_id=help_session.id,
            starts_at=TUESDAY,
            conversation_id=conversation,
            channel="telegram",
        )
        rows.append(booking)
    save_contact(
        db_session,
        cipher,
        conversation_id="tg-1",
        channel="telegram",
        address="12345",
        consent="reminders",
        now=NOW,
    )
    schedule_message(
        db_session,
        conversation_id="tg-1",
        kind="reminder",
        due_at=datetime(2026, 12, 7, 10, tzinfo=UTC),
        content={"template": "reminder", "params": {}},
        reference=reference_of(rows[0], rows[0].occurrence),
        quiet=QUIET,
    )
    db_session.flush()
    return help_session.id, rows


def test_the_register_shows_references_and_pending_reminders(
    db_session: Session, booked: tuple[int, list[Booking]]
) -> None:
    [occurrence] = register(db_session, NOW)
    assert occurrence.title == "Drop-in" and occurrence.venue == "Central Library"
    assert [(e.reference, e.pending_messages) for e in occurrence.entries] == [
        (booked[1][0].reference, 1),
        (booked[1][1].reference, 0),
    ]


def test_marking_attended_counts_as_went(db_session: Session, booked: tuple[int, list[Booking]]) -> None:
    marked = mark(db_session, booked[1][0].id, BookingStatus.ATTENDED)
    assert marked is not None and marked.status == BookingStatus.ATTENDED.value
    assert db_session.scalars(select(LoopEvent.step)).all() == ["went"]
    assert mark(db_session, booked[1][1].id, BookingStatus.CANCELLED) is None  # only the two marks


def test_cancelling_a_date_tells_who_can_be_told_with_the_next_date(
    db_session: Session, booked: tuple[int, list[Booking]]
) -> None:
    session_id, rows = booked
    told = cancel_date(
        db_session,
        session_id=session_id,
        starts_at=TUESDAY,
        now=NOW,
        quiet=QUIET,
        helpline_phone="0113 222 4444",
    )
    assert told == 1  # the web chat resident cannot be messaged
    messages = db_session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [(m.kind, m.status) for m in messages] == [
        ("reminder", MessageStatus.CANCELLED.value),
        ("session_changed", MessageStatus.PENDING.value),
    ]
    notice = messages[1].content
    assert notice["params"]["alternative"] == "The next one is on Tuesday 15 December at 10am."
    assert {b.status for b in rows} == {BookingStatus.CANCELLED.value}


def test_closing_a_venue_offers_another_place_nearby(
    db_session: Session, booked: tuple[int, list[Booking]]
) -> None:
    _, rows = booked
    venue_id = rows[0].occurrence.session.venue_id
    told = close_venue(db_session, venue_id=venue_id, now=NOW, quiet=QUIET, helpline_phone="0113 222 4444")
    assert told == 1
    notice = db_session.scalars(
        select(OutboundMessage).where(OutboundMessage.kind == "session_changed")
    ).one()
    assert notice.content["params"]["alternative"].startswith("Nearby: Phone help at Oak Cafe, Thu 10 Dec")
