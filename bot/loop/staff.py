"""The staff side of the loop: the attendance register, and telling residents when a session is off
or moved.

A champion marks each booking attended or did not come (a booking reference, never a name or a
number). Cancelling a date, hiding a session or closing a venue tells everyone with a booking
or a pending reminder for it, with the nearest alternative (a "session_changed" message each),
and cancels their reminders for it. Changing a session's day or time tells them the new time
(a "session_moved" message) and moves their bookings, reminders and follow-up with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from bot.db.models import (
    Booking,
    BookingStatus,
    HelpSession,
    LoopStep,
    MessageStatus,
    OutboundMessage,
    SessionOccurrence,
)
from bot.loop import booking as bookings
from bot.loop.conversation import message_content, reference_of
from bot.loop.details import clock, facts, nearby_alternative, next_date
from bot.loop.events import record_steps
from bot.loop.plan import REMINDER, REMINDER_SOON, plan_messages
from bot.outbound import NoConsent, QuietHours, cancel_by_reference_prefix, has_contact, schedule_message
from bot.outbound.quiet import as_utc
from bot.venues.schedule import next_occurrence, rule_of

logger = logging.getLogger(__name__)

CHANGED = "session_changed"
MOVED = "session_moved"
REMINDERS = frozenset({REMINDER, REMINDER_SOON})
# What a notice may name of a session or place before it is cut, so every SMS fits 2 segments.
NAME_CHARS = 40


@dataclass(frozen=True)
class RegisterEntry:
    booking_id: int
    reference: str
    status: str
    holds_place: bool
    pending_messages: int


@dataclass
class RegisterOccurrence:
    occurrence_id: int
    session_id: int
    title: str
    venue: str
    starts_at: datetime
    capacity: int | None
    booked: int
    cancelled: bool
    entries: list[RegisterEntry] = field(default_factory=list)

    @property
    def over_capacity(self) -> bool:
        """More places taken than the session has: two booked dates moved onto this one. Nobody
        loses a place they were given; the register asks staff to check the room."""
        return self.capacity is not None and self.booked > self.capacity


def _prefix(session_id: int, starts_at: datetime) -> str:
    return f"session:{session_id}:{as_utc(starts_at).date().isoformat()}:"


def register(
    session: Session, now: datetime, *, days_back: int = 7, days_ahead: int = 28
) -> list[RegisterOccurrence]:
    """Occurrences with bookings from a week ago to four weeks on, each booking with its
    pending reminders (counted by the messages' reference)."""
    start, end = as_utc(now) - timedelta(days=days_back), as_utc(now) + timedelta(days=days_ahead)
    occurrences = session.scalars(
        select(SessionOccurrence)
        .where(SessionOccurrence.starts_at >= start, SessionOccurrence.starts_at <= end)
        .options(selectinload(SessionOccurrence.bookings), selectinload(SessionOccurrence.session))
        .order_by(SessionOccurrence.starts_at)
    ).all()
    pending = dict(
        session.execute(
            select(OutboundMessage.reference, func.count())
            .where(
                OutboundMessage.status == MessageStatus.PENDING.value,
                OutboundMessage.reference.like("session:%"),
            )
            .group_by(OutboundMessage.reference)
        ).all()
    )
    result = []
    for occurrence in occurrences:
        if not occurrence.bookings:
            continue
        help_session = occurrence.session
        row = RegisterOccurrence(
            occurrence.id,
            help_session.id,
            help_session.title,
            help_session.venue.name,
            as_utc(occurrence.starts_at),
            help_session.capacity,
            occurrence.booked,
            occurrence.cancelled_at is not None,
        )
        for item in sorted(occurrence.bookings, key=lambda b: b.id):
            ref = f"{_prefix(help_session.id, occurrence.starts_at)}booking:{item.id}"
            row.entries.append(
                RegisterEntry(
                    item.id, item.reference, item.status, item.holds_place, int(pending.get(ref, 0))
                )
            )
        result.append(row)
    return result


def mark(session: Session, booking_id: int, status: BookingStatus) -> Booking | None:
    """A champion's mark in the register: attended (counted as "went") or did not come."""
    booking = session.get(Booking, booking_id)
    if booking is None or status not in (BookingStatus.ATTENDED, BookingStatus.DID_NOT_COME):
        return None
    bookings.set_status(session, booking, status)
    if status is BookingStatus.ATTENDED:
        venue_id = booking.occurrence.session.venue_id
        day = as_utc(booking.occurrence.starts_at).date()
        record_steps(
            session,
            LoopStep.WENT,
            booking.conversation_id,
            channel=booking.channel,
            venue_ids=[venue_id],
            day=day,
        )
    return booking


def _short(text: str) -> str:
    return text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1].rstrip() + "."


def alternative(
    session: Session,
    help_session: HelpSession,
    starts_at: datetime,
    now: datetime,
    quiet: QuietHours,
    helpline_phone: str,
    *,
    same_session: bool,
) -> str:
    """One sentence: the session's next date, else the nearest other session, else who to call."""
    if same_session and help_session.active and help_session.venue.active:
        upcoming = next_date(help_session, starts_at)
        if upcoming is not None:
            local = as_utc(upcoming).astimezone(quiet.zone)
            return f"The next one is on {local:%A} {local.day} {local:%B} at {clock(local)}."
    other = nearby_alternative(session, help_session, now)
    if other is not None:
        local = as_utc(other.starts_at).astimezone(quiet.zone)
        when = f"{local:%a} {local.day} {local:%b} {clock(local)}"
        return f"Nearby: {_short(other.title)} at {_short(other.venue)}, {when}."
    return f"To find other help, call {helpline_phone}."


def _affected(
    session: Session, session_id: int, prefix: str, after: datetime, occurrence_id: int | None
) -> dict[str, list[Booking]]:
    """Conversations with a booking still to come, or a pending message, for these dates."""
    query = (
        select(Booking)
        .join(SessionOccurrence)
        .where(
            SessionOccurrence.session_id == session_id,
            SessionOccurrence.starts_at > as_utc(after),
            Booking.status == BookingStatus.BOOKED.value,
        )
    )
    if occurrence_id is not None:
        query = query.where(SessionOccurrence.id == occurrence_id)
    affected: dict[str, list[Booking]] = {}
    for item in session.scalars(query):
        affected.setdefault(item.conversation_id, []).append(item)
    waiting = select(OutboundMessage.conversation_id).where(
        OutboundMessage.status == MessageStatus.PENDING.value, OutboundMessage.reference.like(prefix + "%")
    )
    for conversation_id in session.scalars(waiting):
        affected.setdefault(conversation_id, [])
    return affected


def _tell(
    session: Session,
    help_session: HelpSession,
    starts_at: datetime,
    conversation_id: str,
    sentence: str,
    quiet: QuietHours,
    now: datetime,
    phone: str,
) -> bool:
    if not has_contact(session, conversation_id):
        return False
    said = facts(help_session, starts_at, quiet, phone)
    params = {
        "session": _short(said.session),
        "place": _short(said.place),
        "day": said.day,
        "alternative": sentence,
    }
    return _notify(
        session, conversation_id, CHANGED, "changed", params, help_session.id, starts_at, quiet, now
    )


def cancel_date(
    session: Session,
    *,
    session_id: int,
    starts_at: datetime,
    now: datetime,
    quiet: QuietHours,
    helpline_phone: str,
    same_session: bool = True,
) -> int:
    """This date is off: bookings cancelled, residents told (with the alternative), their
    reminders for it cancelled. Returns how many residents will be told."""
    help_session = session.get(HelpSession, session_id)
    if help_session is None:
        return 0
    occurrence = bookings.occurrence_for(session, session_id, starts_at)
    occurrence.cancelled_at = as_utc(now)
    prefix = _prefix(session_id, starts_at)
    affected = _affected(session, session_id, prefix, now, occurrence.id)
    sentence = alternative(
        session, help_session, starts_at, now, quiet, helpline_phone, same_session=same_session
    )
    told = sum(
        _tell(session, help_session, starts_at, conversation, sentence, quiet, now, helpline_phone)
        for conversation in affected
    )
    for items in affected.values():
        for item in items:
            bookings.set_status(session, item, BookingStatus.CANCELLED)
    cancel_by_reference_prefix(session, prefix)  # after the notices, so their contacts are kept
    session.flush()
    return told


def close_session(
    session: Session, *, session_id: int, now: datetime, quiet: QuietHours, helpline_phone: str
) -> int:
    """The session is hidden or deleted, or its venue closed: every date still to come is off."""
    dates = set(
        session.scalars(
            select(SessionOccurrence.starts_at)
            .join(Booking)
            .where(
                SessionOccurrence.session_id == session_id,
                SessionOccurrence.starts_at > as_utc(now),
                Booking.status == BookingStatus.BOOKED.value,
            )
        )
    )
    for reference in session.scalars(
        select(OutboundMessage.reference).where(
            OutboundMessage.status == MessageStatus.PENDING.value,
            OutboundMessage.reference.like(f"session:{session_id}:%"),
        )
    ):
        occurrence = _occurrence_of_reference(session, reference)
        if occurrence is not None:
            dates.add(occurrence.starts_at)
    return sum(
        cancel_date(
            session,
            session_id=session_id,
            starts_at=when,
            now=now,
            quiet=quiet,
            helpline_phone=helpline_phone,
            same_session=False,
        )
        for when in sorted(as_utc(d) for d in dates)
    )


def _occurrence_of_reference(session: Session, reference: str | None) -> SessionOccurrence | None:
    """ "session:7:2026-12-08:booking:42" -> booking 42's occurrence."""
    booking = _booking_of_reference(session, reference)
    return booking.occurrence if booking is not None else None


def close_venue(
    session: Session, *, venue_id: int, now: datetime, quiet: QuietHours, helpline_phone: str
) -> int:
    ids = session.scalars(select(HelpSession.id).where(HelpSession.venue_id == venue_id)).all()
    return sum(
        close_session(session, session_id=sid, now=now, quiet=quiet, helpline_phone=helpline_phone)
        for sid in ids
    )


# --- a session's day or time changed ------------------------------------------------------


def _moved_to(help_session: HelpSession, old: datetime, now: datetime) -> datetime | None:
    """Where a booked date goes under the session's new timing: its nearest occurrence to the
    old date (within a week either side, still to come), else the next one; None if none."""
    rule, old, now = rule_of(help_session), as_utc(old), as_utc(now)
    best: datetime | None = None
    cursor = max(now, old - timedelta(days=7))
    for _ in range(16):
        found = next_occurrence(rule, cursor)
        if found is None:
            break
        when = as_utc(found.starts_at)
        if when > old + timedelta(days=7):
            break
        if when > now and (best is None or abs(when - old) < abs(best - old)):
            best = when
        cursor = when + timedelta(hours=12)
    if best is None:
        upcoming = next_occurrence(rule, now)
        best = as_utc(upcoming.starts_at) if upcoming is not None else None
    return best if best is not None and best > now else None


def _short_when(moment: datetime, quiet: QuietHours) -> str:
    local = as_utc(moment).astimezone(quiet.zone)
    return f"{local:%a} {local.day} {local:%b} {clock(local)}"


def _tell_moved(
    session: Session,
    help_session: HelpSession,
    old: datetime,
    new: datetime,
    conversation_id: str,
    quiet: QuietHours,
    phone: str,
    now: datetime,
) -> bool:
    if not has_contact(session, conversation_id):
        return False
    said = facts(help_session, new, quiet, phone)
    params = {
        "session": _short(said.session),
        "place": _short(said.place),
        "day": said.day,
        "time": said.time,
        "was": _short_when(old, quiet),
        "phone": said.phone,
    }
    return _notify(session, conversation_id, MOVED, "moved", params, help_session.id, new, quiet, now)


def _notify(
    session: Session,
    conversation_id: str,
    kind: str,
    prefix: str,
    params: dict[str, str],
    session_id: int,
    starts_at: datetime,
    quiet: QuietHours,
    now: datetime,
) -> bool:
    """One notice about a session's date, sent now (quiet hours permitting) and useless once the
    date has begun; its reference makes a second notice about the same date a no-op."""
    try:
        schedule_message(
            session,
            conversation_id=conversation_id,
            kind=kind,
            due_at=now,
            expires_at=as_utc(starts_at),
            content={"template": kind, "params": params},
            reference=f"{prefix}:{session_id}:{as_utc(starts_at).date().isoformat()}",
            quiet=quiet,
        )
    except NoConsent:
        return False
    return True


def _move_bookings(
    session: Session, help_session: HelpSession, old: SessionOccurrence, new: datetime
) -> SessionOccurrence:
    """The old date's bookings now belong to the new date (its places taken with them).

    When the new date already has bookings, the two merge even past the session's capacity:
    every resident keeps the place they were given, no new booking is taken for that date while
    it is full (bot.loop.booking), and the register shows staff the date is over capacity."""
    existing = session.scalar(
        select(SessionOccurrence).where(
            SessionOccurrence.session_id == help_session.id, SessionOccurrence.starts_at == as_utc(new)
        )
    )
    if existing is None or existing.id == old.id:
        old.starts_at = as_utc(new)
        return old
    for item in list(old.bookings):
        if item.status == BookingStatus.BOOKED.value:
            item.occurrence_id = existing.id
            if item.holds_place:
                old.booked -= 1
                existing.booked += 1
    session.flush()
    session.expire(old, ["bookings"])
    session.expire(existing, ["bookings"])
    if help_session.capacity is not None and existing.booked > help_session.capacity:
        logger.warning(
            "Session %s on %s now has %s places taken of %s: two booked dates moved onto it.",
            help_session.id,
            as_utc(new).isoformat(),
            existing.booked,
            help_session.capacity,
        )
    return existing


def _move_messages(
    session: Session,
    help_session: HelpSession,
    prefix: str,
    new: datetime,
    now: datetime,
    quiet: QuietHours,
    phone: str,
) -> None:
    """Each booking's pending reminders and follow-up, planned again for the new time (the same
    kinds the resident agreed to), then the old ones cancelled."""
    pending = session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.status == MessageStatus.PENDING.value,
            OutboundMessage.reference.like(prefix + "%"),
        )
    ).all()
    by_reference: dict[str, list[OutboundMessage]] = {}
    for message in pending:
        by_reference.setdefault(message.reference or "", []).append(message)
    for reference, messages in by_reference.items():
        kinds = {message.kind for message in messages}
        booking = _booking_of_reference(session, reference)
        if booking is not None:
            planned = plan_messages(new, None, now, quiet, soon=REMINDER_SOON in kinds)
            # The kinds the resident agreed to; a reminder the new time has made too late (the
            # day before has passed) becomes the one a couple of hours before, as when asked.
            wanted = [item for item in planned if item.kind in kinds]
            if kinds & REMINDERS and not any(item.kind in REMINDERS for item in wanted):
                wanted += [item for item in planned if item.kind in REMINDERS]
            for item in wanted:
                try:
                    schedule_message(
                        session,
                        conversation_id=messages[0].conversation_id,
                        kind=item.kind,
                        due_at=item.due_at,
                        expires_at=item.expires_at,
                        content=message_content(help_session, item, new, quiet, phone, booking.reference),
                        reference=reference_of(booking, booking.occurrence),
                        quiet=quiet,
                    )
                except NoConsent:
                    break
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id.in_([message.id for message in messages]))
            .values(status=MessageStatus.CANCELLED.value, error="session moved")
            .execution_options(synchronize_session=False)
        )


def _booking_of_reference(session: Session, reference: str | None) -> Booking | None:
    """ "session:7:2026-12-08:booking:42" -> booking 42."""
    try:
        booking_id = int(str(reference).rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return None
    return session.get(Booking, booking_id)


def move_date(
    session: Session,
    *,
    session_id: int,
    starts_at: datetime,
    now: datetime,
    quiet: QuietHours,
    helpline_phone: str,
) -> int:
    """This booked date moved with the session's new day or time: residents told the new time,
    their bookings, reminders and follow-up moved to it. A date with no new place to go (the
    session no longer runs then) is cancelled instead, with the alternative. Returns how many
    residents will be told."""
    help_session = session.get(HelpSession, session_id)
    if help_session is None:
        return 0
    old = as_utc(starts_at)
    new = _moved_to(help_session, old, now)
    if new is None:
        return cancel_date(
            session,
            session_id=session_id,
            starts_at=old,
            now=now,
            quiet=quiet,
            helpline_phone=helpline_phone,
            same_session=False,
        )
    if new == old:
        return 0
    occurrence = bookings.occurrence_for(session, session_id, old)
    prefix = _prefix(session_id, old)
    affected = _affected(session, session_id, prefix, now, occurrence.id)
    told = sum(
        _tell_moved(session, help_session, old, new, conversation, quiet, helpline_phone, now)
        for conversation in affected
    )
    _move_bookings(session, help_session, occurrence, new)
    session.flush()
    _move_messages(session, help_session, prefix, new, now, quiet, helpline_phone)
    session.flush()
    return told


def _booked_dates(session: Session, session_id: int, now: datetime) -> set[datetime]:
    """Dates still to come with a booking or a pending reminder."""
    dates = {
        as_utc(when)
        for when in session.scalars(
            select(SessionOccurrence.starts_at)
            .join(Booking)
            .where(
                SessionOccurrence.session_id == session_id,
                SessionOccurrence.starts_at > as_utc(now),
                SessionOccurrence.cancelled_at.is_(None),
                Booking.status == BookingStatus.BOOKED.value,
            )
        )
    }
    for reference in session.scalars(
        select(OutboundMessage.reference).where(
            OutboundMessage.status == MessageStatus.PENDING.value,
            OutboundMessage.reference.like(f"session:{session_id}:%"),
        )
    ):
        occurrence = _occurrence_of_reference(session, reference)
        if occurrence is not None and as_utc(occurrence.starts_at) > as_utc(now):
            dates.add(as_utc(occurrence.starts_at))
    return dates


def move_session(
    session: Session, *, session_id: int, now: datetime, quiet: QuietHours, helpline_phone: str
) -> int:
    """Staff changed the session's day, dates or times: every booked date still to come follows."""
    return sum(
        move_date(
            session,
            session_id=session_id,
            starts_at=when,
            now=now,
            quiet=quiet,
            helpline_phone=helpline_phone,
        )
        for when in sorted(_booked_dates(session, session_id, now))
    )
