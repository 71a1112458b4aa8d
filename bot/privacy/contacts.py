"""Who the bot has talked to, without identity: first contact, referral, and SMS opt-out.

The gateway asks `arrive` on every turn; a small cache answers for people already seen today,
so the database is touched about once a day per person. Each call has a short deadline: with
the database down the resident still gets the engine's answer (just no privacy notice).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.db.models import Contact
from bot.db.session import session_scope
from bot.pseudonym import person_key

log = logging.getLogger(__name__)
DB_DEADLINE_SECONDS = 0.5


def _now() -> datetime:
    return datetime.now(UTC)


def record_arrival(database_url: str, person: str, channel: str, referral_code: str | None) -> bool:
    """Note that `person` wrote now; True when it is the first time."""
    now = _now()
    try:
        with session_scope(database_url) as session:
            contact = session.get(Contact, person)
            if contact is None:
                session.add(
                    Contact(
                        person=person,
                        channel=channel,
                        first_seen=now,
                        last_seen=now,
                        referral_code=referral_code,
                    )
                )
                return True
            contact.last_seen = now
            if referral_code and not contact.referral_code:
                contact.referral_code = referral_code
            return False
    except IntegrityError:  # another gateway replica wrote them first
        return False


def record_referral(database_url: str, person: str, code: str) -> bool:
    """Note who referred `person`, if nobody has yet; True when this code is now theirs."""
    with session_scope(database_url) as session:
        contact = session.get(Contact, person)
        if contact is None or contact.referral_code:
            return False
        contact.referral_code = code
        return True


def set_opt_out(database_url: str, person: str, channel: str, opted_out: bool) -> None:
    now = _now()
    with session_scope(database_url) as session:
        contact = session.get(Contact, person)
        if contact is None:
            contact = Contact(person=person, channel=channel, first_seen=now, last_seen=now)
            session.add(contact)
        contact.opted_out_at = now if opted_out else None


def is_opted_out(database_url: str, person: str) -> bool:
    with session_scope(database_url) as session:
        return session.scalar(select(Contact.opted_out_at).where(Contact.person == person)) is not None


class ContactBook:
    def __init__(self, database_url: str, max_cached: int = 100_000) -> None:
        self._url = database_url
        self._seen_on: OrderedDict[str, date] = OrderedDict()
        self._max = max_cached

    async def arrive(self, conversation_id: str, channel: str, referral_code: str | None = None) -> bool:
        """True at a person's first message ever (or first since they were forgotten)."""
        person = person_key(conversation_id)
        today = _now().date()
        if self._seen_on.get(person) == today and referral_code is None:
            return False
        try:
            first = await asyncio.wait_for(
                asyncio.to_thread(record_arrival, self._url, person, channel, referral_code),
                DB_DEADLINE_SECONDS,
            )
        except (SQLAlchemyError, TimeoutError) as error:
            log.warning("Contact not recorded: %s", type(error).__name__)
            return False
        self._seen_on[person] = today
        self._seen_on.move_to_end(person)
        while len(self._seen_on) > self._max:
            self._seen_on.popitem(last=False)
        return first

    async def refer(self, conversation_id: str, code: str) -> bool:
        """True the first time a person is referred (so the referral counts once per person)."""
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(record_referral, self._url, person_key(conversation_id), code),
                DB_DEADLINE_SECONDS,
            )
        except (SQLAlchemyError, TimeoutError) as error:
            log.warning("Referral not recorded: %s", type(error).__name__)
            return False

    async def opted_out(self, conversation_id: str) -> bool:
        """Whether this SMS number said STOP. Read from the database each time: another replica
        may have taken the STOP. A database that does not answer counts as not opted out."""
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(is_opted_out, self._url, person_key(conversation_id)), DB_DEADLINE_SECONDS
            )
        except (SQLAlchemyError, TimeoutError):
            return False

    async def set_opted_out(self, conversation_id: str, channel: str, opted_out: bool) -> None:
        await asyncio.to_thread(set_opt_out, self._url, person_key(conversation_id), channel, opted_out)

    def forget(self, conversation_id: str) -> None:
        self._seen_on.pop(person_key(conversation_id), None)
