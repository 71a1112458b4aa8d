""" "Forget me" and the retention purge for the loop's rows (bookings, funnel steps).

Forgetting gives back the places a person still held and deletes their bookings and funnel
steps. The purge keeps the counts but cuts the link to a conversation: bookings older than
the retention period lose their conversation id, funnel steps their person key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.db.models import Booking, LoopEvent
from bot.loop.booking import cancel_bookings
from bot.outbound.quiet import as_utc
from bot.pseudonym import person_key


def forget_loop(session: Session, conversation_id: str, now: datetime) -> int:
    """Delete the person's bookings (their places given back first) and funnel steps."""
    cancel_bookings(session, conversation_id, now=now)
    bookings = session.execute(delete(Booking).where(Booking.conversation_id == conversation_id)).rowcount  # type: ignore[attr-defined]
    steps = session.execute(delete(LoopEvent).where(LoopEvent.person == person_key(conversation_id))).rowcount  # type: ignore[attr-defined]
    return int(bookings) + int(steps)


def purge_loop(session: Session, cutoff: datetime) -> int:
    """Unlink bookings and funnel steps older than `cutoff` from any person. Returns the rows changed."""
    old = select(Booking.id).where(Booking.created_at < as_utc(cutoff), Booking.conversation_id != "")
    changed = session.execute(update(Booking).where(Booking.id.in_(old)).values(conversation_id="")).rowcount  # type: ignore[attr-defined]
    changed += session.execute(
        update(LoopEvent)
        .where(LoopEvent.occurred_on < as_utc(cutoff).date(), LoopEvent.person.is_not(None))
        .values(person=None)
    ).rowcount  # type: ignore[attr-defined]
    return int(changed)
