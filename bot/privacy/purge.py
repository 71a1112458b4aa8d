"""The retention period: conversations and personal records older than it are deleted.

Conversation events and contacts go entirely. Usage events and confidence results keep their
counts for the programme's reports but lose the person they belonged to, so nothing older
than the retention period can be linked to anyone, and a figure for last year still adds up.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, inspect, update
from sqlalchemy.exc import SQLAlchemyError

from bot.callbacks.store import purge_callbacks
from bot.db.models import ConfidenceResult, Contact, UsageEvent
from bot.db.session import get_engine, rows_changed, session_scope
from bot.loop.privacy import purge_loop
from bot.outbound.store import purge_outbound
from bot.privacy.store import TRACKER_EVENTS, app_database_url

log = logging.getLogger(__name__)
_AGE = re.compile(r"^\s*(\d+)\s*(d|days?|w|weeks?)?\s*$", re.IGNORECASE)


def parse_age(text: str) -> timedelta:
    """ "90d", "90", "12w" -> a timedelta; anything else is a ValueError with the accepted forms."""
    match = _AGE.match(text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{text!r} is not an age: use a number of days like 90d, or weeks like 12w")
    number, unit = int(match.group(1)), (match.group(2) or "d").lower()
    return timedelta(weeks=number) if unit.startswith("w") else timedelta(days=number)


@dataclass(frozen=True)
class Purged:
    cutoff: datetime
    conversation_events: int
    contacts: int
    usage_events_anonymised: int
    confidence_results_anonymised: int
    outbound_contacts: int = 0
    callback_requests: int = 0


def purge(
    older_than: timedelta, *, database_url: str, tracker_store_url: str, now: datetime | None = None
) -> Purged:
    cutoff = (now or datetime.now(UTC)) - older_than
    with session_scope(database_url) as session:
        contacts = rows_changed(session, delete(Contact).where(Contact.last_seen < cutoff))
        usage = rows_changed(
            session,
            update(UsageEvent)
            .where(UsageEvent.occurred_on < cutoff.date(), UsageEvent.person.is_not(None))
            .values(person=None),
        )
        results = rows_changed(
            session,
            update(ConfidenceResult)
            .where(ConfidenceResult.taken_on < cutoff.date(), ConfidenceResult.person != "")
            .values(person=""),
        )
        outbound = purge_outbound(session, cutoff)
        purge_loop(session, cutoff)  # bookings and funnel steps keep their counts, not the person
        callbacks = purge_callbacks(session, cutoff)  # counts stay; number, name and person go
    events = 0
    engine = get_engine(app_database_url(tracker_store_url))
    with engine.begin() as connection:
        if inspect(connection).has_table(TRACKER_EVENTS.name):
            events = connection.execute(
                delete(TRACKER_EVENTS).where(TRACKER_EVENTS.c.timestamp < cutoff.timestamp())
            ).rowcount
    return Purged(cutoff, events, contacts, usage, results, outbound, callbacks)


async def purge_every_day(
    retention_days: int, *, database_url: str, tracker_store_url: str, first_after_seconds: float = 60.0
) -> None:
    """The default retention: a running gateway purges once a day, so nobody has to remember to.

    Several gateway replicas may each run it: the deletes and updates are idempotent.
    """
    await asyncio.sleep(first_after_seconds)
    while True:
        try:
            purged = await asyncio.to_thread(
                purge,
                timedelta(days=retention_days),
                database_url=database_url,
                tracker_store_url=tracker_store_url,
            )
            log.info(
                "Daily purge: %d conversation events, %d contacts.",
                purged.conversation_events,
                purged.contacts,
            )
        except SQLAlchemyError as error:
            log.warning("Daily purge failed (%s); trying again tomorrow.", type(error).__name__)
        await asyncio.sleep(24 * 3600)
