"""The scheduling API: consented contacts and the messages due to them, as rows.

Plain functions over a SQLAlchemy session the caller owns (they flush, the caller commits), so
the action server, the gateway, the dispatcher and the CLI share them. Every cancel is one
UPDATE on both backends; a contact is deleted as soon as nothing more is pending for it.

Consent and scheduling meet in one engine turn: the consent action (in the action server)
schedules the messages, and only after the engine has answered does the gateway save the
contact from the `{"consent": ...}` payload (only the gateway knows the raw address). So a
message may be scheduled before its contact exists: it waits, unlinked, and `save_contact`
links it. The dispatcher sends only linked messages and cancels ones that never got a contact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Executable, delete, exists, func, select, update
from sqlalchemy.orm import Session

from bot.db.models import MessageStatus, OutboundContact, OutboundMessage
from bot.outbound.cipher import ContactCipher
from bot.outbound.quiet import QuietHours, as_utc

CHANNELS = frozenset({"telegram", "sms"})
PENDING = MessageStatus.PENDING.value


class NoConsent(Exception):
    """This conversation cannot be messaged later: its contact stopped messages (STOP, a blocked
    bot, a number that no longer works) or the channel cannot reach anyone later (web chat)."""


def _run(session: Session, statement: Executable) -> int:
    """Execute an UPDATE or DELETE and return how many rows it touched."""
    return int(cast(CursorResult[Any], session.execute(statement)).rowcount)


def contact_for(session: Session, conversation_id: str) -> OutboundContact | None:
    return session.scalar(select(OutboundContact).where(OutboundContact.conversation_id == conversation_id))


def save_contact(
    session: Session,
    cipher: ContactCipher,
    *,
    conversation_id: str,
    channel: str,
    address: str,
    consent: str,
    now: datetime,
) -> OutboundContact:
    """Keep how to reach this conversation (encrypted), with the words agreed to; one per conversation.

    Messages already scheduled for it without a contact are linked to it.
    """
    if channel not in CHANNELS:
        raise NoConsent(f"the {channel} channel cannot send messages later")
    contact = contact_for(session, conversation_id)
    if contact is None:
        contact = OutboundContact(conversation_id=conversation_id)
        session.add(contact)
    contact.channel = channel
    contact.address_encrypted = cipher.encrypt(address)
    contact.consent = consent[:300]
    contact.consented_at = as_utc(now)
    contact.stopped_at = None
    session.flush()
    session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.conversation_id == conversation_id,
            OutboundMessage.status == PENDING,
            OutboundMessage.contact_id.is_(None),
        )
        .values(contact_id=contact.id, channel=channel)
    )
    return contact


def has_contact(session: Session, conversation_id: str) -> bool:
    """Whether this conversation can be messaged later (consented, not stopped)."""
    contact = contact_for(session, conversation_id)
    return contact is not None and contact.stopped_at is None


def schedule_message(
    session: Session,
    *,
    conversation_id: str,
    kind: str,
    due_at: datetime,
    content: dict[str, object],
    expires_at: datetime | None = None,
    reference: str | None = None,
    quiet: QuietHours,
) -> OutboundMessage:
    """A message due at `due_at`, moved out of the quiet hours.

    If the quiet hours push it past `expires_at` it is recorded as dropped (counted, never
    sent). Raises NoConsent when the conversation's contact has stopped messages.
    """
    contact = contact_for(session, conversation_id)
    if contact is not None and contact.stopped_at is not None:
        raise NoConsent("this conversation has stopped messages")
    due = quiet.next_allowed(due_at)
    expires = as_utc(expires_at) if expires_at is not None else None
    useless = expires is not None and due >= expires
    message = OutboundMessage(
        conversation_id=conversation_id,
        contact_id=contact.id if contact is not None else None,
        channel=contact.channel if contact is not None else None,
        kind=kind,
        due_at=due,
        expires_at=expires,
        status=MessageStatus.DROPPED.value if useless else PENDING,
        attempts=0,
        content=content,
        reference=reference,
        error="past its use after the quiet hours" if useless else None,
    )
    session.add(message)
    session.flush()
    return message


def _nothing_due(conversation_id: str) -> ColumnElement[bool]:
    return ~exists().where(
        OutboundMessage.conversation_id == conversation_id, OutboundMessage.status == PENDING
    )


def delete_contact_if_done(session: Session, conversation_id: str) -> bool:
    """Delete the conversation's contact when nothing more is pending for it (True if deleted)."""
    statement = delete(OutboundContact).where(
        OutboundContact.conversation_id == conversation_id, _nothing_due(conversation_id)
    )
    return _run(session, statement) > 0


def cancel_pending(
    session: Session,
    conversation_id: str,
    *,
    kinds: Collection[str] | None = None,
    reference: str | None = None,
) -> int:
    """Cancel the conversation's pending messages (of these kinds / this reference, or all).

    Deletes the contact when nothing more is due. Returns how many were cancelled.
    """
    statement = update(OutboundMessage).where(
        OutboundMessage.conversation_id == conversation_id, OutboundMessage.status == PENDING
    )
    if kinds is not None:
        statement = statement.where(OutboundMessage.kind.in_(list(kinds)))
    if reference is not None:
        statement = statement.where(OutboundMessage.reference == reference)
    cancelled = _run(session, statement.values(status=MessageStatus.CANCELLED.value, error="cancelled"))
    delete_contact_if_done(session, conversation_id)
    return cancelled


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def cancel_by_reference_prefix(session: Session, prefix: str) -> list[str]:
    """Cancel every pending message whose reference starts with `prefix` ("session:7:").

    Returns the conversation ids affected (to tell them), each once, in order.
    """
    matches = (
        OutboundMessage.status == PENDING,
        OutboundMessage.reference.like(_escape_like(prefix) + "%", escape="\\"),
    )
    conversations = list(
        session.scalars(
            select(OutboundMessage.conversation_id)
            .where(*matches)
            .group_by(OutboundMessage.conversation_id)
            .order_by(OutboundMessage.conversation_id)
        )
    )
    session.execute(
        update(OutboundMessage)
        .where(*matches)
        .values(status=MessageStatus.CANCELLED.value, error="cancelled")
        .execution_options(synchronize_session=False)
    )
    for conversation_id in conversations:
        delete_contact_if_done(session, conversation_id)
    return conversations


def stop_conversation(session: Session, conversation_id: str, *, now: datetime, reason: str) -> int:
    """STOP, /stop, a blocked bot or a dead number: everything pending cancelled, contact deleted."""
    session.execute(
        update(OutboundContact)
        .where(OutboundContact.conversation_id == conversation_id)
        .values(stopped_at=as_utc(now))
    )
    cancelled = _run(
        session,
        update(OutboundMessage)
        .where(OutboundMessage.conversation_id == conversation_id, OutboundMessage.status == PENDING)
        .values(status=MessageStatus.CANCELLED.value, error=reason[:200]),
    )
    delete_contact_if_done(session, conversation_id)
    return cancelled


def forget_conversation(session: Session, conversation_id: str) -> None:
    """ "Forget me": the contact and every message row of the conversation, whatever their status."""
    session.execute(delete(OutboundMessage).where(OutboundMessage.conversation_id == conversation_id))
    session.execute(delete(OutboundContact).where(OutboundContact.conversation_id == conversation_id))


def pending_summary(session: Session, timezone: str = "Europe/London") -> list[tuple[str, date, int]]:
    """Pending messages counted by kind and local due day, for staff (no conversation, no address)."""
    zone = QuietHours(timezone=timezone)
    counts: Counter[tuple[str, date]] = Counter()
    for kind, due_at in session.execute(
        select(OutboundMessage.kind, OutboundMessage.due_at).where(OutboundMessage.status == PENDING)
    ):
        counts[(kind, zone.local_day(due_at))] += 1
    return sorted((kind, day, count) for (kind, day), count in counts.items())


def status_counts(session: Session) -> dict[str, int]:
    """Every message by status (sent, dropped, failed...): what staff count."""
    rows = session.execute(
        select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)
    ).all()
    return {status: int(count) for status, count in rows}


def purge_outbound(session: Session, cutoff: datetime) -> int:
    """The retention period: a contact consented before `cutoff` is deleted and everything still
    pending for it cancelled; finished messages from before it keep their counts for staff but
    no longer name a conversation. Returns the contacts deleted."""
    old = list(
        session.scalars(
            select(OutboundContact.conversation_id).where(OutboundContact.consented_at < as_utc(cutoff))
        )
    )
    for conversation_id in old:
        stop_conversation(session, conversation_id, now=cutoff, reason="retention period")
    _run(
        session,
        update(OutboundMessage)
        .where(
            OutboundMessage.due_at < as_utc(cutoff),
            OutboundMessage.status.not_in([PENDING, MessageStatus.SENDING.value]),
            OutboundMessage.conversation_id != "",
        )
        .values(conversation_id="", content={}, reference=None),
    )
    return len(old)
