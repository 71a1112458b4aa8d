"""Bookings: one resident's plan to go to one dated occurrence of a session.

An occurrence row (`SessionOccurrence`) is created on first use for a (session, start) pair.
Taking a place is one conditional UPDATE on that row, `booked = booked + 1 WHERE booked <
capacity`: PostgreSQL locks the row and re-checks the condition after waiting for a concurrent
booking, and SQLite serialises writers, so however many residents book the last places at the
same moment, exactly the free places are taken (tests/integration/loop/test_booking_race.py).
The booking row is written in the same transaction as the count, so they never disagree.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import Booking, BookingStatus, HelpSession, SessionOccurrence
from bot.outbound.quiet import as_utc

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a reference read out at a door or from a text is not misheard.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
REFERENCE_LENGTH = 6
# Statuses that still count as going (a place held, a reminder due).
ACTIVE = (BookingStatus.BOOKED.value, BookingStatus.ATTENDED.value)


class SessionFull(Exception):
    """Every place at this occurrence is taken."""


class SessionGone(Exception):
    """The session was deleted, hidden, or this date was cancelled."""


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def occurrence_for(session: Session, session_id: int, starts_at: datetime) -> SessionOccurrence:
    """The occurrence row for this session and start (created on first use, race-safe)."""
    when = as_utc(starts_at)
    query = select(SessionOccurrence).where(
        SessionOccurrence.session_id == session_id, SessionOccurrence.starts_at == when
    )
    found = session.scalar(query)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            row = SessionOccurrence(session_id=session_id, starts_at=when, booked=0)
            session.add(row)
    except IntegrityError:  # another resident created it a moment ago
        found = session.scalar(query)
        if found is None:
            raise
        return found
    return row


def _take_place(session: Session, occurrence: SessionOccurrence, capacity: int | None) -> None:
    statement = update(SessionOccurrence).where(
        SessionOccurrence.id == occurrence.id, SessionOccurrence.cancelled_at.is_(None)
    )
    if capacity is not None:
        statement = statement.where(SessionOccurrence.booked < capacity)
    result = session.execute(
        statement.values(booked=SessionOccurrence.booked + 1).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(occurrence)
        if occurrence.cancelled_at is not None:
            raise SessionGone("this date was cancelled")
        raise SessionFull("no places left")


def live_session(session: Session, session_id: int) -> HelpSession:
    row = session.get(HelpSession, session_id)
    if row is None or not row.active or not row.venue.active:
        raise SessionGone("the session is no longer listed")
    return row


def book(
    session: Session,
    *,
    session_id: int,
    starts_at: datetime,
    conversation_id: str,
    channel: str,
    hold_place: bool | None = None,
) -> Booking:
    """A booking for this occurrence; takes a place when the session needs booking.

    `hold_place` defaults to the session's `booking_required`. A resident who already has an
    active booking for the occurrence gets that one back (asking twice books once).
    """
    help_session = live_session(session, session_id)
    occurrence = occurrence_for(session, session_id, starts_at)
    if occurrence.cancelled_at is not None:
        raise SessionGone("this date was cancelled")
    existing = session.scalar(
        select(Booking).where(
            Booking.occurrence_id == occurrence.id,
            Booking.conversation_id == conversation_id,
            Booking.status.in_(ACTIVE),
        )
    )
    holds = help_session.booking_required if hold_place is None else hold_place
    if existing is not None:
        if holds and not existing.holds_place:
            _take_place(session, occurrence, help_session.capacity)
            existing.holds_place = True
        return existing
    if holds:
        _take_place(session, occurrence, help_session.capacity)
    for _ in range(5):
        try:
            with session.begin_nested():
                booking = Booking(
                    occurrence_id=occurrence.id,
                    reference=new_reference(),
                    conversation_id=conversation_id,
                    channel=channel,
                    status=BookingStatus.BOOKED.value,
                    holds_place=holds,
                )
                session.add(booking)
            return booking
        except IntegrityError:  # a reference already in use (about 1 in 240 million)
            continue
    raise RuntimeError("no free booking reference")


def places_left(session: Session, help_session: HelpSession, starts_at: datetime) -> int | None:
    """Free places at this occurrence (None: no limit)."""
    if help_session.capacity is None:
        return None
    occurrence = session.scalar(
        select(SessionOccurrence).where(
            SessionOccurrence.session_id == help_session.id,
            SessionOccurrence.starts_at == as_utc(starts_at),
        )
    )
    taken = occurrence.booked if occurrence is not None else 0
    return max(0, help_session.capacity - taken)


def _release(session: Session, booking: Booking) -> None:
    if booking.holds_place:
        session.execute(
            update(SessionOccurrence)
            .where(SessionOccurrence.id == booking.occurrence_id, SessionOccurrence.booked > 0)
            .values(booked=SessionOccurrence.booked - 1)
            .execution_options(synchronize_session=False)
        )
        booking.holds_place = False


def cancel_bookings(session: Session, conversation_id: str, *, now: datetime) -> list[Booking]:
    """Cancel the conversation's bookings still to come, giving their places back."""
    rows = list(
        session.scalars(
            select(Booking)
            .join(SessionOccurrence)
            .where(
                Booking.conversation_id == conversation_id,
                Booking.status == BookingStatus.BOOKED.value,
                SessionOccurrence.starts_at > as_utc(now),
            )
        )
    )
    for booking in rows:
        _release(session, booking)
        booking.status = BookingStatus.CANCELLED.value
    session.flush()
    return rows


def set_status(session: Session, booking: Booking, status: BookingStatus) -> None:
    """Attended / did not come / cancelled: a cancelled booking gives its place back."""
    if status is BookingStatus.CANCELLED:
        _release(session, booking)
    booking.status = status.value
    session.flush()


def latest_booking(session: Session, conversation_id: str) -> Booking | None:
    """The conversation's most recent booking that is not cancelled (what a follow-up is about)."""
    return session.scalar(
        select(Booking)
        .where(
            Booking.conversation_id == conversation_id, or_(Booking.status != BookingStatus.CANCELLED.value)
        )
        .order_by(Booking.id.desc())
        .limit(1)
    )
