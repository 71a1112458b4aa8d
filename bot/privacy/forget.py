""" "Forget me": delete the conversation and every record kept about one person.

Called by the gateway after the engine has answered the confirmed request, so the engine has
finished writing that turn and nothing of the conversation is left behind. On SQLite (the
embedded default) the rows are overwritten as they are deleted (secure_delete) and the WAL file
is emptied after, so the words are in neither file (bot/db/session.py, `checkpoint`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, inspect
from sqlalchemy.exc import SQLAlchemyError

from bot.callbacks.store import forget_callbacks
from bot.confidence.store import results_key
from bot.db.models import ConfidenceResult, Contact, OutboundContact, OutboundMessage, UsageEvent
from bot.db.session import checkpoint, get_engine, rows_changed, session_scope
from bot.loop.privacy import forget_loop
from bot.privacy.store import TRACKER_EVENTS, app_database_url
from bot.pseudonym import person_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Forgotten:
    conversation_events: int
    app_records: int


def forget_person(conversation_id: str, *, database_url: str, tracker_store_url: str) -> Forgotten:
    """Delete everything about the person behind `conversation_id`. Raises if a store is down."""
    person = person_key(conversation_id)
    with session_scope(database_url) as session:
        app_records = forget_loop(session, conversation_id, datetime.now(UTC))  # bookings, funnel steps
        app_records += forget_callbacks(session, conversation_id)  # call backs: numbers and names too
        app_records += sum(
            rows_changed(session, statement)
            for statement in (
                delete(Contact).where(Contact.person == person),
                delete(UsageEvent).where(UsageEvent.person == person),
                delete(ConfidenceResult).where(ConfidenceResult.person == results_key(conversation_id)),
                # Everything due to them is cancelled by going, and the address with it.
                delete(OutboundMessage).where(OutboundMessage.conversation_id == conversation_id),
                delete(OutboundContact).where(OutboundContact.conversation_id == conversation_id),
            )
        )
    engine = get_engine(app_database_url(tracker_store_url))
    with engine.begin() as connection:
        if not inspect(connection).has_table(TRACKER_EVENTS.name):
            events = 0
        else:
            events = connection.execute(
                delete(TRACKER_EVENTS).where(TRACKER_EVENTS.c.sender_id == conversation_id)
            ).rowcount
    for url in {database_url, app_database_url(tracker_store_url)}:
        checkpoint(url)
    log.info("Forgot a person: %d conversation events, %d other records.", events, app_records)
    return Forgotten(events, app_records)


def try_forget(conversation_id: str, *, database_url: str, tracker_store_url: str) -> Forgotten | None:
    """As forget_person, but None when a store is down (the resident is told to try again)."""
    try:
        return forget_person(conversation_id, database_url=database_url, tracker_store_url=tracker_store_url)
    except SQLAlchemyError:
        log.exception("Could not forget a person: a store is unavailable.")
        return None
