"""What the call-back actions ask for: the offer, making the request, status, cancel, safe steps.

Each function takes a `CallbackContext` built at the edge (the action server) and returns the
replies; the database work is here, so the actions stay thin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.callbacks import store
from bot.callbacks.dialogue import CONSENT, NAME, NUMBER, SENDER, SKIPPED, TIME, TOPIC, YES
from bot.callbacks.wording import Wording
from bot.callbacks.workdays import WorkingDays
from bot.db.models import CallbackRequest, CallbackStatus
from bot.db.session import session_scope
from bot.outbound.cipher import ContactCipher
from bot.outbound.quiet import QuietHours
from bot.outbound.store import CHANNELS as MESSAGE_CHANNELS
from bot.replies import FIND_HELP, MENU, Button, Reply, intent_payload

RING_ME_BACK = Button("Yes, ring me back", intent_payload("request_callback"))
NO_THANKS = Button("No thanks", intent_payload("deny"))
CANCEL = Button("Cancel my call back", intent_payload("callback_cancel"))
REASONS = ("scam", "distress")
CONSENT_WORDS = "a message if the call back from a Digital Champion is late"


@dataclass(frozen=True)
class CallbackContext:
    database_url: str
    cipher: ContactCipher
    workdays: WorkingDays
    quiet: QuietHours
    words: Wording

    @property
    def within(self) -> int:
        return self.words.local.callbacks.within_working_days

    def day(self, when: datetime) -> str:
        local = when.astimezone(self.workdays.zone)
        return f"{local:%A} {local.day} {local:%B}"


@dataclass
class Saved:
    replies: list[Reply]
    # For the gateway: which request to attach the number to, and where the number is.
    request_id: int | None = None
    number: str | None = None
    consent: str | None = None
    slots: dict[str, object] = field(default_factory=dict)


def offer(ctx: CallbackContext) -> Reply:
    """ "Talk to a person": a call back from a champion, or the helpline."""
    return Reply(ctx.words("offer"), (RING_ME_BACK, FIND_HELP, MENU))


def safe_steps(ctx: CallbackContext, reason: str, *, offer: bool = True) -> Reply:
    """At once, before anything else: the safe steps, then a priority call back offered (not
    when the resident is already asking for one: `offer=False`, and the form carries on)."""
    key = "scam_now" if reason == "scam" else "distress"
    if not offer:
        return Reply(ctx.words(key))
    return Reply(f"{ctx.words(key)} {ctx.words('priority_offer')}", (RING_ME_BACK, NO_THANKS))


def existing(ctx: CallbackContext, conversation_id: str, now: datetime) -> Reply | None:
    """A resident with a call back already waiting is told about it, not asked again."""
    with session_scope(ctx.database_url) as session:
        request = store.open_request(session, conversation_id)
        if request is None:
            return None
        return _status_reply(ctx, request, now)


def _status_reply(ctx: CallbackContext, request: CallbackRequest, now: datetime) -> Reply:
    if request.status == CallbackStatus.CALLED.value:
        return Reply(ctx.words("status_called"), (MENU,))
    if request.status == CallbackStatus.NOT_REACHED.value:
        return Reply(ctx.words("status_not_reached"), (CANCEL, MENU))
    if store.is_overdue(request, now):
        return Reply(ctx.words("status_overdue"), (CANCEL, MENU))
    return Reply(ctx.words("status_waiting", due=ctx.day(request.due_at)), (CANCEL, MENU))


def status(ctx: CallbackContext, conversation_id: str, now: datetime) -> Reply:
    """ "Has anyone called me?" """
    found = existing(ctx, conversation_id, now)
    return found or Reply(ctx.words("status_none"), (RING_ME_BACK, MENU))


def cancel(ctx: CallbackContext, conversation_id: str, now: datetime) -> Reply:
    with session_scope(ctx.database_url) as session:
        cancelled = store.cancel_for_conversation(session, conversation_id, now=now)
    if cancelled:
        return Reply(ctx.words("cancelled"), (MENU,))
    return Reply(ctx.words("cancel_nothing"), (RING_ME_BACK, MENU))


def save(
    ctx: CallbackContext,
    slots: dict[str, object],
    *,
    conversation_id: str,
    channel: str,
    reason: str | None,
    location: object,
    now: datetime,
) -> Saved:
    """The form is complete: make the request when consent and a number were given.

    The number is attached by the gateway in this same turn (it alone has it); the replies say
    what happens next and by when. A form that ended without consent or a number makes nothing
    (its ending has said so).
    """
    number = str(slots.get(NUMBER) or "")
    if slots.get(CONSENT) != YES or not number or number == SKIPPED:
        return Saved([])
    name = slots.get(NAME)
    topic = slots.get(TOPIC)
    priority = reason in REASONS
    details = store.NewRequest(
        conversation_id=conversation_id,
        channel=channel,
        topic="" if topic in (None, SKIPPED) else str(topic),
        preferred_time=str(slots.get(TIME) or "any"),
        name=None if name in (None, SKIPPED) else str(name),
        priority=priority,
        reason=reason if priority and reason else "",
        outcode=store.outcode_of(location),
    )
    with session_scope(ctx.database_url) as session:
        request = store.create_request(
            session, ctx.cipher, details, now=now, workdays=ctx.workdays, within_working_days=ctx.within
        )
        messaged = channel in MESSAGE_CHANNELS and store.schedule_overdue_notice(
            session, request, quiet=ctx.quiet, helpline_phone=ctx.words.local.helpline.phone
        )
        request_id, due = request.id, request.due_at
    key = "saved_priority" if priority else "saved"
    reply = Reply(ctx.words(key, due=ctx.day(due)), (MENU,))
    return Saved(
        [reply],
        request_id=request_id,
        number=SENDER if number == SENDER else "typed",
        consent=CONSENT_WORDS if messaged else None,
    )
