"""The staff side on both databases: the register, attendance, cancelling a date, closing a venue."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Booking, BookingStatus, HelpSession, LoopEvent, MessageStatus, OutboundMessage
from bot.loop.booking import SessionFull, book
from bot.loop.conversation import reference_of
from bot.loop.staff import cancel_date, close_venue, mark, move_session, register
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


def _schedule_followup(db_session: Session, booking: Booking) -> None:
    schedule_message(
        db_session,
        conversation_id="tg-1",
        kind="followup",
        due_at=datetime(2026, 12, 9, 11, tzinfo=UTC),
        content={"intent": "EXTERNAL_followup", "entities": {"booking_reference": booking.reference}},
        reference=reference_of(booking, booking.occurrence),
        quiet=QUIET,
    )


def _pending(db_session: Session) -> list[OutboundMessage]:
    return list(
        db_session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.status == MessageStatus.PENDING.value)
            .order_by(OutboundMessage.due_at)
        )
    )


def test_a_new_start_time_tells_who_can_be_told_and_moves_their_reminders(
    db_session: Session, booked: tuple[int, list[Booking]]
) -> None:
    session_id, rows = booked
    _schedule_followup(db_session, rows[0])
    help_session = db_session.get(HelpSession, session_id)
    assert help_session is not None
    help_session.start_time, help_session.end_time = time(14), time(16)
    db_session.flush()
    told = move_session(
        db_session, session_id=session_id, now=NOW, quiet=QUIET, helpline_phone="0113 222 4444"
    )
    assert told == 1  # the web chat resident cannot be messaged, but their booking moves too
    notice, reminder, followup = _pending(db_session)
    assert notice.kind == "session_moved" and notice.conversation_id == "tg-1"
    assert notice.content["params"] == {
        "session": "Drop-in",
        "place": "Central Library",
        "day": "Tuesday 8 December",
        "time": "2pm",
        "was": "Tue 8 Dec 10am",
        "phone": "0113 111 1111",
    }
    assert (reminder.kind, reminder.due_at.replace(tzinfo=UTC)) == (
        "reminder",
        datetime(2026, 12, 7, 10, tzinfo=UTC),
    )
    assert reminder.content["params"]["time"] == "2pm", "the reminder names the new time"
    assert followup.kind == "followup" and followup.content["entities"] == {
        "booking_reference": rows[0].reference
    }
    assert reminder.reference == reference_of(rows[0], rows[0].occurrence)
    cancelled = db_session.scalars(
        select(OutboundMessage.kind).where(OutboundMessage.status == MessageStatus.CANCELLED.value)
    ).all()
    assert sorted(cancelled) == ["followup", "reminder"]
    for booking in rows:
        db_session.refresh(booking)
        assert booking.status == BookingStatus.BOOKED.value
        assert booking.occurrence.starts_at.replace(tzinfo=UTC) == datetime(2026, 12, 8, 14, tzinfo=UTC)
    [occurrence] = register(db_session, NOW)
    assert [e.pending_messages for e in occurrence.entries] == [2, 0], "the register follows the new time"


def test_a_new_day_moves_the_date_and_the_follow_up_with_it(
    db_session: Session, booked: tuple[int, list[Booking]]
) -> None:
    session_id, rows = booked
    _schedule_followup(db_session, rows[0])
    help_session = db_session.get(HelpSession, session_id)
    assert help_session is not None
    help_session.weekday = 2  # Tuesdays become Wednesdays
    db_session.flush()
    assert move_session(db_session, session_id=session_id, now=NOW, quiet=QUIET, helpline_phone="x") == 1
    notice, reminder, followup = _pending(db_session)
    assert notice.content["params"]["day"] == "Wednesday 9 December"
    assert reminder.due_at.replace(tzinfo=UTC) == datetime(2026, 12, 8, 10, tzinfo=UTC)
    assert followup.due_at.replace(tzinfo=UTC) == datetime(2026, 12, 10, 11, tzinfo=UTC)
    assert reminder.reference is not None and ":2026-12-09:" in reminder.reference
    assert move_session(db_session, session_id=session_id, now=NOW, quiet=QUIET, helpline_phone="x") == 0, (
        "nothing changed since: nobody told twice"
    )


def test_a_date_the_new_timing_no_longer_has_is_cancelled_with_an_alternative(
    db_session: Session, booked: tuple[int, list[Booking]]
) -> None:
    session_id, rows = booked
    help_session = db_session.get(HelpSession, session_id)
    assert help_session is not None
    help_session.end_date = datetime(2026, 12, 5).date()  # the sessions stop before the booked date
    db_session.flush()
    assert move_session(db_session, session_id=session_id, now=NOW, quiet=QUIET, helpline_phone="x") == 1
    [notice] = _pending(db_session)
    assert notice.kind == "session_changed"
    assert {b.status for b in rows} == {BookingStatus.CANCELLED.value}


def test_two_booked_dates_moved_onto_one_keep_everyone_and_the_register_warns_staff(
    db_session: Session, factory: Factory
) -> None:
    venue = factory.venue(name="Central Library")
    help_session = factory.help_session(
        venue, title="Tablet class", weekday=1, capacity=2, booking_required=True
    )
    first = [
        book(db_session, session_id=help_session.id, starts_at=TUESDAY, conversation_id=who, channel="web")
        for who in ("web-a", "web-b")
    ]
    later = book(
        db_session,
        session_id=help_session.id,
        starts_at=datetime(2026, 12, 15, 10, tzinfo=UTC),
        conversation_id="web-c",
        channel="web",
    )
    help_session.end_date = datetime(2026, 12, 10).date()  # the 15th no longer runs: it moves to the 8th
    db_session.flush()
    move_session(db_session, session_id=help_session.id, now=NOW, quiet=QUIET, helpline_phone="x")
    for booking in [*first, later]:
        db_session.refresh(booking)
        assert booking.status == BookingStatus.BOOKED.value, "nobody loses the place they were given"
        assert booking.occurrence.starts_at.replace(tzinfo=UTC) == TUESDAY
    [occurrence] = [o for o in register(db_session, NOW) if o.session_id == help_session.id]
    assert (occurrence.booked, occurrence.capacity, occurrence.over_capacity) == (3, 2, True)
    with pytest.raises(SessionFull):
        book(
            db_session, session_id=help_session.id, starts_at=TUESDAY, conversation_id="web-d", channel="web"
        )
