"""Call-back requests as rows: made with consent, worked by champions, closed with an outcome.

Plain functions over a session the caller owns (they flush; the caller commits), shared by the
action server (make, status, cancel), the gateway (the number, which only it knows) and the
admin (the queue). The number and first name are Fernet tokens under the outbound cipher,
emptied as soon as the request closes; the counts stay for the reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from bot.callbacks.workdays import WorkingDays
from bot.db.models import (
    AuditEntry,
    CallbackOutcome,
    CallbackRequest,
    CallbackStatus,
    MessageStatus,
    OutboundMessage,
)
from bot.outbound.cipher import ContactCipher
from bot.outbound.quiet import QuietHours, as_utc
from bot.outbound.store import NoConsent, cancel_pending, schedule_message

OPEN = (
    CallbackStatus.NEW.value,
    CallbackStatus.ASSIGNED.value,
    CallbackStatus.CALLED.value,
    CallbackStatus.NOT_REACHED.value,
)
# Waiting for a first call: what "overdue" is about (a tried call that did not connect is a call made).
WAITING = (CallbackStatus.NEW.value, CallbackStatus.ASSIGNED.value)
OVERDUE_KIND = "callback_overdue"
TIMES = ("mornings", "afternoons", "evenings", "any")


class NotAllowed(Exception):
    """Not this staff member's request (another organisation's, or none at all: the same answer)."""


def reference(request_id: int) -> str:
    return f"callback:{request_id}"


def outcode_of(location: object) -> str:
    """The outcode of a postcode slot ("LS9 7AB" -> "LS9"); a place name or nothing gives ""."""
    from bot.geo.postcodes import parse

    if not isinstance(location, str):
        return ""
    postcode = parse(location)
    return postcode.outcode if postcode is not None else ""


def open_request(session: Session, conversation_id: str) -> CallbackRequest | None:
    return session.scalar(
        select(CallbackRequest)
        .where(CallbackRequest.conversation_id == conversation_id, CallbackRequest.status.in_(OPEN))
        .order_by(CallbackRequest.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class NewRequest:
    conversation_id: str
    channel: str
    topic: str
    preferred_time: str
    name: str | None
    priority: bool
    reason: str
    outcode: str


def create_request(
    session: Session,
    cipher: ContactCipher,
    details: NewRequest,
    *,
    now: datetime,
    workdays: WorkingDays,
    within_working_days: int,
) -> CallbackRequest:
    """A new request, without its number yet (the gateway adds it in the same turn).

    A priority request is due within one working day. Any open request of the conversation is
    replaced (closed as not needed), so a resident has at most one.
    """
    previous = open_request(session, details.conversation_id)
    if previous is not None:
        close(session, previous, CallbackOutcome.NOT_NEEDED, now=now)
    days = 1 if details.priority else within_working_days
    request = CallbackRequest(
        conversation_id=details.conversation_id,
        channel=details.channel,
        status=CallbackStatus.NEW.value,
        priority=details.priority,
        reason=details.reason[:20],
        topic=" ".join(details.topic.split())[:120],
        preferred_time=details.preferred_time if details.preferred_time in TIMES else "any",
        outcode=details.outcode[:8],
        name_encrypted=cipher.encrypt(details.name) if details.name else None,
        created_at=as_utc(now),
        due_at=workdays.due(now, days),
        attempts=0,
    )
    session.add(request)
    session.flush()
    return request


def schedule_overdue_notice(
    session: Session, request: CallbackRequest, *, quiet: QuietHours, helpline_phone: str
) -> bool:
    """The kind word if the call has not happened by the due time (outbound, never at night).

    Cancelled when a champion rings or the request closes. False when the resident stopped
    messages; the gateway then tells them when they next write.
    """
    try:
        schedule_message(
            session,
            conversation_id=request.conversation_id,
            kind=OVERDUE_KIND,
            due_at=request.due_at,
            content={"template": OVERDUE_KIND, "params": {"phone": helpline_phone}},
            reference=reference(request.id),
            quiet=quiet,
        )
    except NoConsent:
        return False
    return True


def attach_number(
    session: Session, cipher: ContactCipher, request_id: int, conversation_id: str, e164: str, kind: str
) -> bool:
    """The number for a request this conversation has just made (only the gateway has it)."""
    request = session.get(CallbackRequest, request_id)
    if request is None or request.conversation_id != conversation_id or request.status not in OPEN:
        return False
    request.phone_encrypted = cipher.encrypt(e164)
    request.phone_kind = kind[:20]
    session.flush()
    return True


def discard(session: Session, request_id: int, conversation_id: str) -> None:
    """A request whose number could not be kept: nothing half-stored is left."""
    session.execute(
        delete(CallbackRequest).where(
            CallbackRequest.id == request_id, CallbackRequest.conversation_id == conversation_id
        )
    )
    cancel_pending(session, conversation_id, reference=reference(request_id))


def _clear_personal(request: CallbackRequest) -> None:
    request.phone_encrypted = None
    request.name_encrypted = None


def close(session: Session, request: CallbackRequest, outcome: CallbackOutcome, *, now: datetime) -> None:
    """Done with one outcome: the number and name deleted, the notice cancelled."""
    request.status = CallbackStatus.DONE.value
    request.outcome = outcome.value
    request.closed_at = as_utc(now)
    _clear_personal(request)
    session.flush()
    cancel_pending(session, request.conversation_id, reference=reference(request.id))


def cancel_for_conversation(session: Session, conversation_id: str, *, now: datetime) -> bool:
    """The resident cancels: False when there was nothing to cancel (a second cancel)."""
    request = open_request(session, conversation_id)
    if request is None:
        return False
    request.status = CallbackStatus.CANCELLED.value
    request.outcome = CallbackOutcome.NOT_NEEDED.value
    request.closed_at = as_utc(now)
    _clear_personal(request)
    session.flush()
    cancel_pending(session, conversation_id, reference=reference(request.id))
    return True


def assign(session: Session, request: CallbackRequest, *, organisation_id: int | None, champion: str) -> None:
    request.organisation_id = organisation_id
    request.assigned_to = champion.strip()[:200]
    if request.status == CallbackStatus.NEW.value:
        request.status = CallbackStatus.ASSIGNED.value
    session.flush()


def mark_called(session: Session, request: CallbackRequest, *, now: datetime) -> None:
    request.status = CallbackStatus.CALLED.value
    request.attempts += 1
    request.first_called_at = request.first_called_at or as_utc(now)
    session.flush()
    cancel_pending(session, request.conversation_id, reference=reference(request.id))


def mark_not_reached(session: Session, request: CallbackRequest, *, now: datetime) -> None:
    """Rang, no answer: counted as a try; the champion tries again (the notice is no longer due)."""
    request.status = CallbackStatus.NOT_REACHED.value
    request.attempts += 1
    request.first_called_at = request.first_called_at or as_utc(now)
    session.flush()
    cancel_pending(session, request.conversation_id, reference=reference(request.id))


def is_overdue(request: CallbackRequest, now: datetime) -> bool:
    return request.status in WAITING and as_utc(request.due_at) < as_utc(now)


def in_scope(request: CallbackRequest | None, organisation_id: int | None, is_admin: bool) -> CallbackRequest:
    """The request if this staff member may see it; NotAllowed otherwise (missing ones too, so
    guessing ids tells nothing)."""
    if request is None:
        raise NotAllowed
    if is_admin:
        return request
    if organisation_id is None or request.organisation_id != organisation_id:
        raise NotAllowed
    return request


def for_staff(
    session: Session, request_id: int, organisation_id: int | None, is_admin: bool
) -> CallbackRequest:
    return in_scope(session.get(CallbackRequest, request_id), organisation_id, is_admin)


def queue(
    session: Session, *, organisation_id: int | None, is_admin: bool, include_closed: bool = False
) -> Sequence[CallbackRequest]:
    """The requests a staff member works: priority first, then the oldest."""
    query = select(CallbackRequest)
    if not include_closed:
        query = query.where(CallbackRequest.status.in_(OPEN))
    if not is_admin:
        if organisation_id is None:
            return []
        query = query.where(CallbackRequest.organisation_id == organisation_id)
    return session.scalars(
        query.order_by(CallbackRequest.priority.desc(), CallbackRequest.created_at, CallbackRequest.id)
    ).all()


def overdue(
    session: Session, now: datetime, *, organisation_id: int | None = None, is_admin: bool = True
) -> list[CallbackRequest]:
    return [
        request
        for request in queue(session, organisation_id=organisation_id, is_admin=is_admin)
        if is_overdue(request, now)
    ]


def reveal(
    session: Session, cipher: ContactCipher, request: CallbackRequest, staff_email: str
) -> tuple[str | None, str | None]:
    """The number (and first name) for the staff member who opened the request, audited."""
    from bot.callbacks.phone import for_staff as national

    number = national(cipher.decrypt(request.phone_encrypted)) if request.phone_encrypted else None
    name = cipher.decrypt(request.name_encrypted) if request.name_encrypted else None
    session.add(
        AuditEntry(
            staff_email=staff_email,
            action="view",
            entity="CallbackRequest",
            entity_id=str(request.id),
            summary="opened the request: number shown" if number else "opened the request",
        )
    )
    session.flush()
    return number, name


def overdue_untold(session: Session, conversation_id: str, now: datetime) -> CallbackRequest | None:
    """An overdue request this resident has not been told about (by message or in a reply)."""
    request = open_request(session, conversation_id)
    if request is None or not is_overdue(request, now) or request.overdue_told_at is not None:
        return None
    sent = session.scalar(
        select(
            exists().where(
                OutboundMessage.reference == reference(request.id),
                OutboundMessage.status.in_([MessageStatus.SENT.value, MessageStatus.DELIVERED.value]),
            )
        )
    )
    request.overdue_told_at = as_utc(now)
    session.flush()
    return None if sent else request


def forget_callbacks(session: Session, conversation_id: str) -> int:
    """ "Forget me": the person's requests go entirely."""
    result = session.execute(
        delete(CallbackRequest).where(CallbackRequest.conversation_id == conversation_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def purge_callbacks(session: Session, cutoff: datetime) -> int:
    """The retention period: requests made before `cutoff` lose their number, name and person;
    an open one is closed (nobody should be rung about something that old)."""
    old = as_utc(cutoff)
    session.execute(
        update(CallbackRequest)
        .where(CallbackRequest.created_at < old, CallbackRequest.status.in_(OPEN))
        .values(status=CallbackStatus.DONE.value, outcome=CallbackOutcome.NOT_NEEDED.value, closed_at=old)
    )
    result = session.execute(
        update(CallbackRequest)
        .where(CallbackRequest.created_at < old, CallbackRequest.conversation_id != "")
        .values(phone_encrypted=None, name_encrypted=None, conversation_id="")
    )
    return int(getattr(result, "rowcount", 0) or 0)
