"""The gateway's side of outbound messages: consent, stop, late answers (async, off the loop).

Only the gateway holds a resident's raw address (the chat id or number a channel gave for the
turn); the engine and the action server never see it. So when the engine's reply carries
`{"consent": "<what was agreed>"}` the gateway saves the contact here, and an SMS that got the
apology is kept here for its late answer. Every call has the database work in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from bot.db.models import OutboundMessage
from bot.db.session import session_scope
from bot.outbound.cipher import ContactCipher
from bot.outbound.quiet import QuietHours
from bot.outbound.store import (
    CHANNELS,
    NoConsent,
    cancel_pending,
    contact_for,
    save_contact,
    schedule_message,
    stop_conversation,
)

log = logging.getLogger(__name__)
LATE_KIND = "late_answer"
LATE_REFERENCE = "late"
# A late answer is worth sending for a day; after that the question has moved on.
LATE_FOR = timedelta(hours=24)
LATE_CONSENT = "the answer to a text sent while the bot was unavailable"


def _now() -> datetime:
    return datetime.now(UTC)


class OutboundDesk:
    def __init__(
        self,
        database_url: str,
        cipher: ContactCipher,
        quiet: QuietHours,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._url = database_url
        self._cipher = cipher
        self._quiet = quiet
        self._clock = clock

    @property
    def cipher(self) -> ContactCipher:
        return self._cipher

    async def consent(self, channel: str, conversation_id: str, raw_sender: str, consent: str) -> bool:
        """Keep the address for what the resident agreed to; False if it could not be kept (then
        nothing scheduled for them is left pending either, so nothing goes unannounced)."""
        if channel not in CHANNELS:
            return False
        try:
            await asyncio.to_thread(self._save, channel, conversation_id, raw_sender, consent)
            return True
        except (SQLAlchemyError, NoConsent) as error:
            log.warning("Consent not saved (%s): cancelling what was scheduled", type(error).__name__)
            with contextlib.suppress(SQLAlchemyError):
                await self.stop(conversation_id, "consent not saved")
            return False

    def _save(self, channel: str, conversation_id: str, raw_sender: str, consent: str) -> None:
        with session_scope(self._url) as session:
            save_contact(
                session,
                self._cipher,
                conversation_id=conversation_id,
                channel=channel,
                address=raw_sender,
                consent=consent,
                now=self._clock(),
            )

    async def take_offer(self, conversation_id: str) -> list[dict[str, str]] | None:
        """The options of the last message the bot started that the resident has not answered yet,
        taken once (the resident's next message answers it, or moves on).

        The dispatcher keeps them with the message (`OutboundMessage.offered`), because the
        process that sent it may not share the gateway's state: the CLI's send-due, a replica
        without Redis, a gateway since restarted."""
        try:
            return await asyncio.to_thread(self._take_offer, conversation_id)
        except SQLAlchemyError as error:
            log.warning("Offered options not read (%s)", type(error).__name__)
            return None

    def _take_offer(self, conversation_id: str) -> list[dict[str, str]] | None:
        with session_scope(self._url) as session:
            waiting = (
                OutboundMessage.conversation_id == conversation_id,
                OutboundMessage.offered.is_not(None),
            )
            offered = session.scalar(
                select(OutboundMessage.offered)
                .where(*waiting)
                .order_by(OutboundMessage.sent_at.desc(), OutboundMessage.id.desc())
                .limit(1)
            )
            if offered is None:
                return None
            session.execute(update(OutboundMessage).where(*waiting).values(offered=None))
            return [dict(button) for button in offered]

    async def stop(self, conversation_id: str, reason: str) -> int:
        """STOP, /stop, "stop messaging me": every pending message cancelled, the address deleted."""
        return await asyncio.to_thread(self._stop, conversation_id, reason)

    def _stop(self, conversation_id: str, reason: str) -> int:
        with session_scope(self._url) as session:
            return stop_conversation(session, conversation_id, now=self._clock(), reason=reason)

    async def keep_late_answer(self, conversation_id: str, raw_sender: str, text: str) -> bool:
        """An SMS that got the apology: kept (encrypted) until the engine answers it, once.

        Only the newest unanswered text is kept: its answer is what the resident is waiting for.
        """
        try:
            await asyncio.to_thread(self._keep_late, conversation_id, raw_sender, text)
            return True
        except SQLAlchemyError as error:
            log.warning("Late answer not kept (%s)", type(error).__name__)
            return False

    def _keep_late(self, conversation_id: str, raw_sender: str, text: str) -> None:
        now = self._clock()
        with session_scope(self._url) as session:
            cancel_pending(session, conversation_id, kinds=[LATE_KIND])
            if contact_for(session, conversation_id) is None:
                save_contact(
                    session,
                    self._cipher,
                    conversation_id=conversation_id,
                    channel="sms",
                    address=raw_sender,
                    consent=LATE_CONSENT,
                    now=now,
                )
            schedule_message(
                session,
                conversation_id=conversation_id,
                kind=LATE_KIND,
                due_at=now,
                expires_at=now + LATE_FOR,
                content={"late": self._cipher.encrypt(text)},
                reference=LATE_REFERENCE,
                quiet=self._quiet,
            )
