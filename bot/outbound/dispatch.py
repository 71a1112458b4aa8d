"""The dispatcher: sends what is due, once, through the channel senders.

Each round, in this order:
1. housekeeping, one transaction: a pending message past its `expires_at` is dropped (counted,
   never sent: it was due while everything was down and is no longer useful); a message left
   `sending` for longer than the lease (a dispatcher died mid-send) is marked failed with
   "unknown after restart", never sent again blindly: sending nothing twice beats trying again;
   a message that never got its consented contact is cancelled; late answers that are finished
   lose their text.
2. claim: one UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n) RETURNING id
   marks a batch of due messages `sending` and commits. On PostgreSQL, two replicas' dispatchers
   skip each other's locked rows, so each message is claimed by exactly one. SQLite ignores FOR
   UPDATE, but a single UPDATE statement holds SQLite's one write lock, so claims still never
   overlap (and SQLite is one gateway process anyway).
3. send the batch concurrently (the senders keep the providers' rate limits), then record every
   outcome in one transaction: sent (with the provider's id), retried later with back-off,
   failed, or the person unreachable (contact stopped, everything pending for them cancelled).

A message is only ever sent by the dispatcher that claimed it, and only from `sending`; a
crash between sending and recording leaves it `sending`, which step 1 turns into "unknown".
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from bot.db.models import MessageStatus, OutboundContact, OutboundMessage
from bot.gateway.state import SharedState
from bot.gateway.turns import BotMessage, offered_options
from bot.outbound.cipher import ContactCipher, UnreadableAddress
from bot.outbound.compose import LATE_KEY, Composer
from bot.outbound.desk import LATE_REFERENCE
from bot.outbound.quiet import QuietHours, as_utc
from bot.outbound.senders import Sender, SendFailed, TryLater, Undeliverable
from bot.outbound.store import delete_contact_if_done, stop_conversation

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
PENDING, SENDING = MessageStatus.PENDING.value, MessageStatus.SENDING.value
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)
UNCONSENTED_AFTER = timedelta(hours=1)
STOP_GRACE_SECONDS = 10.0
PER_PERSON_GAP = timedelta(seconds=1.1)
# Rounds with nothing claimed that `drain` waits through for paced messages before it gives up.
PACING_ROUNDS = 3
# The shortest wait between two claims when something is about to fall due (a busy loop otherwise).
MIN_PAUSE_SECONDS = 0.1


def utc_now() -> datetime:
    return datetime.now(UTC)


def dispatcher_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Round:
    """What one or more rounds did (counts only: no conversation, no address)."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    dropped: int = 0
    unknown_after_restart: int = 0
    unconsented: int = 0
    deferred: int = 0  # due in the quiet hours (a retry or a backlog): moved to the morning

    def add(self, other: Round) -> Round:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        return self


@dataclass(frozen=True)
class Job:
    id: int
    conversation_id: str
    channel: str
    kind: str
    content: dict[str, Any]
    address_token: str
    attempts: int
    expires_at: datetime | None


@dataclass
class Outcome:
    job: Job
    status: str  # sent / retry / failed / unreachable / deferred / cancelled
    error: str | None = None
    provider_id: str | None = None
    messages: list[BotMessage] = field(default_factory=list)
    retry_at: datetime | None = None


class Dispatcher:
    def __init__(
        self,
        database: Engine,
        composer: Composer,
        senders: Mapping[str, Sender],
        cipher: ContactCipher,
        quiet: QuietHours,
        *,
        state: SharedState | None = None,
        clock: Clock = utc_now,
        name: str | None = None,
        batch: int = 50,
        max_attempts: int = 5,
        lease: timedelta = timedelta(minutes=15),
        backoff_seconds: tuple[int, ...] = BACKOFF_SECONDS,
    ) -> None:
        self._db = database
        self._composer = composer
        self._senders = dict(senders)
        self._cipher = cipher
        self._quiet = quiet
        self._state = state
        self._clock = clock
        self.name = name or dispatcher_name()
        self._batch = batch
        self._max_attempts = max_attempts
        self._lease = lease
        self._backoff = backoff_seconds
        # When this replica's recent sends let each person's next message through (`_until_ready`).
        self._releases: list[datetime] = []

    # --- rounds --------------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> Round:
        """One round: housekeeping, one claimed batch sent and recorded."""
        now = as_utc(now or self._clock())
        done = await asyncio.to_thread(self._housekeeping, now)
        jobs = await asyncio.to_thread(self._claim, now)
        done.claimed = len(jobs)
        if jobs:
            outcomes = await asyncio.gather(*(self._deliver(job, now) for job in jobs))
            done.add(await asyncio.to_thread(self._record, outcomes, now))
            await self._remember_options(outcomes)
        return done

    async def drain(self, now: datetime | None = None, *, wait_for_pacing: bool = False) -> Round:
        """Rounds until nothing more is due at `now` (the CLI's send-due, tests).

        With `wait_for_pacing` (a clock that moves: the CLI's), a person's second message, held
        back a second after their first, is waited for rather than left for the next run.
        """
        total = Round()
        idle_rounds = 0
        while True:
            done = await self.run_once(now)
            total.add(done)
            if done.claimed:
                idle_rounds = 0
                continue
            idle_rounds += 1
            moment = as_utc(now or self._clock())
            if (
                not wait_for_pacing
                or idle_rounds > PACING_ROUNDS
                or not await asyncio.to_thread(self._held_back, moment)
            ):
                return total
            await asyncio.sleep(PER_PERSON_GAP.total_seconds())

    async def run_forever(self, poll_seconds: float) -> None:
        """The gateway's background task: never raises, whatever the database or a provider does.

        Pipelined rather than in rounds: up to `batch` messages are in flight at once, each
        recorded as soon as its send returns, and a free slot is filled by the next claim, so a
        slow provider holds up only its own messages. Stopping waits a little for messages in
        flight; one cut off mid-send is left `sending` and counted "unknown after restart".
        """
        in_flight: set[asyncio.Task[None]] = set()
        last_housekeeping = float("-inf")
        loop = asyncio.get_running_loop()
        try:
            while True:
                claimed = 0
                try:
                    now = as_utc(self._clock())
                    if loop.time() - last_housekeeping >= poll_seconds:
                        last_housekeeping = loop.time()
                        done = await asyncio.to_thread(self._housekeeping, now)
                        if done.dropped or done.unknown_after_restart or done.unconsented:
                            log.info("Outbound housekeeping: %s", done)
                    room = self._batch - len(in_flight)
                    if room > 0:
                        jobs = await asyncio.to_thread(self._claim, now, room)
                        claimed = len(jobs)
                        for job in jobs:
                            task = asyncio.create_task(self._deliver_and_record(job))
                            in_flight.add(task)
                            task.add_done_callback(in_flight.discard)
                except Exception as error:  # a database outage: try again next poll
                    log.warning("Outbound dispatch failed (%s); trying again", type(error).__name__)
                if claimed == 0 or len(in_flight) >= self._batch:
                    # Full: the first send to finish wakes it. Idle: until something can go.
                    full = len(in_flight) >= self._batch
                    pause = poll_seconds if full else await self._until_ready(poll_seconds)
                    if in_flight:
                        await asyncio.wait(in_flight, timeout=pause, return_when=asyncio.FIRST_COMPLETED)
                    else:
                        await asyncio.sleep(pause)
        finally:
            if in_flight:
                await asyncio.wait(in_flight, timeout=STOP_GRACE_SECONDS)
                for task in in_flight:
                    task.cancel()

    async def _until_ready(self, poll_seconds: float) -> float:
        """How long to wait before the next claim: until a message falls due, or a person's next
        message is let through by the pacing, whichever comes first, and at most one poll.

        Waiting a whole poll instead made a person's second message (held back a second after the
        first) wait up to another poll, and a message falling due just after a claim wait a poll:
        most of the Telegram lag the dispatch benchmark measured (docs/performance.md).
        """
        now = as_utc(self._clock())
        releases = [at for at in self._releases if at > now]
        self._releases = releases
        try:
            due = await asyncio.to_thread(self._next_due, now)
        except Exception as error:  # a database outage: the poll decides
            log.debug("Next due time unknown (%s)", type(error).__name__)
            due = None
        moments = [*releases, *([due] if due is not None else [])]
        if not moments:
            return poll_seconds
        wait = (min(moments) - now).total_seconds()
        return min(poll_seconds, max(MIN_PAUSE_SECONDS, wait))

    def _next_due(self, now: datetime) -> datetime | None:
        """The earliest pending message this dispatcher can send that is not due yet."""
        ready_at = func.coalesce(OutboundMessage.next_attempt_at, OutboundMessage.due_at)
        with Session(self._db) as session:
            moment = session.scalar(
                select(func.min(ready_at)).where(
                    OutboundMessage.status == PENDING,
                    OutboundMessage.contact_id.is_not(None),
                    OutboundMessage.channel.in_(list(self._senders)),
                    ready_at > now,
                )
            )
        return as_utc(moment) if moment is not None else None

    async def _deliver_and_record(self, job: Job) -> None:
        try:
            now = as_utc(self._clock())
            outcome = await self._deliver(job, now)
            recorded_at = as_utc(self._clock())
            await asyncio.to_thread(self._record, [outcome], recorded_at)
            if outcome.status == "sent":
                # The person's next message may be claimed a gap after this one (`_claim`).
                self._releases.append(recorded_at + PER_PERSON_GAP)
            await self._remember_options([outcome])
        except Exception as error:  # left `sending`: counted "unknown after restart" later
            log.warning("Outbound message %d not recorded (%s)", job.id, type(error).__name__)

    async def aclose(self) -> None:
        for sender in self._senders.values():
            await sender.aclose()

    # --- the database's side -------------------------------------------------------------

    def _housekeeping(self, now: datetime) -> Round:
        done = Round()
        with Session(self._db) as session, session.begin():
            dropped = session.execute(
                update(OutboundMessage)
                .where(
                    OutboundMessage.status == PENDING,
                    OutboundMessage.expires_at.is_not(None),
                    OutboundMessage.expires_at <= now,
                )
                .values(status=MessageStatus.DROPPED.value, error="expired before it could be sent")
                .returning(OutboundMessage.conversation_id)
            ).scalars()
            conversations = list(dropped)
            done.dropped = len(conversations)
            expired = set(conversations)
            done.unknown_after_restart = _rowcount(
                session.execute(
                    update(OutboundMessage)
                    .where(OutboundMessage.status == SENDING, OutboundMessage.claimed_at < now - self._lease)
                    .values(status=MessageStatus.FAILED.value, error="unknown after restart")
                )
            )
            done.unconsented = _rowcount(
                session.execute(
                    update(OutboundMessage)
                    .where(
                        OutboundMessage.status == PENDING,
                        OutboundMessage.contact_id.is_(None),
                        OutboundMessage.due_at <= now,
                        OutboundMessage.created_at < now - UNCONSENTED_AFTER,
                    )
                    .values(status=MessageStatus.CANCELLED.value, error="no consented contact")
                )
            )
            session.execute(
                update(OutboundMessage)
                .where(
                    OutboundMessage.reference == LATE_REFERENCE,
                    OutboundMessage.status.not_in([PENDING, SENDING]),
                )
                .values(content={}, reference=None)
            )
            for conversation_id in expired:
                delete_contact_if_done(session, conversation_id)
        return done

    def _due(self, now: datetime) -> tuple[ColumnElement[bool], ...]:
        """Pending, due, linked to a contact, for a channel this dispatcher can send on."""
        return (
            OutboundMessage.status == PENDING,
            OutboundMessage.contact_id.is_not(None),
            OutboundMessage.channel.in_(list(self._senders)),
            OutboundMessage.due_at <= now,
            or_(OutboundMessage.next_attempt_at.is_(None), OutboundMessage.next_attempt_at <= now),
        )

    def _held_back(self, now: datetime) -> int:
        """Due messages not claimed only because the person's previous one went under a second ago."""
        with Session(self._db) as session:
            return session.scalar(select(func.count()).where(*self._due(now))) or 0

    def _claim(self, now: datetime, limit: int | None = None) -> list[Job]:
        other = aliased(OutboundMessage)
        due = (
            select(OutboundMessage.id)
            .where(
                *self._due(now),
                # One message at a time per person, whichever replica sends it, and not within
                # a second of the last: Telegram allows about one message a second in a chat.
                ~exists().where(
                    other.conversation_id == OutboundMessage.conversation_id,
                    or_(
                        other.status == SENDING,
                        and_(other.status == MessageStatus.SENT.value, other.sent_at > now - PER_PERSON_GAP),
                        and_(
                            other.status == PENDING,
                            other.id < OutboundMessage.id,
                            other.due_at <= now,
                            or_(other.next_attempt_at.is_(None), other.next_attempt_at <= now),
                        ),
                    ),
                ),
            )
            .order_by(OutboundMessage.due_at, OutboundMessage.id)
            .limit(limit or self._batch)
            .with_for_update(skip_locked=True)
        )
        with Session(self._db) as session, session.begin():
            ids = list(
                session.execute(
                    update(OutboundMessage)
                    .where(OutboundMessage.id.in_(due.scalar_subquery()), OutboundMessage.status == PENDING)
                    .values(
                        status=SENDING,
                        claimed_by=self.name,
                        claimed_at=now,
                        attempts=OutboundMessage.attempts + 1,
                    )
                    .returning(OutboundMessage.id)
                ).scalars()
            )
        if not ids:
            return []
        with Session(self._db) as session:
            rows = session.execute(
                select(OutboundMessage, OutboundContact.address_encrypted)
                .join(OutboundContact, OutboundContact.id == OutboundMessage.contact_id, isouter=True)
                .where(OutboundMessage.id.in_(ids))
            ).all()
            jobs = [
                Job(
                    id=message.id,
                    conversation_id=message.conversation_id,
                    channel=message.channel or "",
                    kind=message.kind,
                    content=dict(message.content or {}),
                    address_token=token or "",
                    attempts=message.attempts,
                    expires_at=as_utc(message.expires_at) if message.expires_at else None,
                )
                for message, token in rows
            ]
        return jobs

    def _record(self, outcomes: list[Outcome], now: datetime) -> Round:
        done = Round()
        with Session(self._db) as session, session.begin():
            for outcome in outcomes:
                job = outcome.job
                mine = update(OutboundMessage).where(
                    OutboundMessage.id == job.id, OutboundMessage.status == SENDING
                )
                if outcome.status == "sent":
                    values: dict[str, Any] = {
                        "status": MessageStatus.SENT.value,
                        "sent_at": now,
                        "provider_message_id": outcome.provider_id,
                        "error": None,
                        # A typed "1" after it means its first option (OutboundDesk.take_offer).
                        "offered": offered_options(outcome.messages) or None,
                    }
                    if LATE_KEY in job.content:
                        values.update(content={}, reference=None)
                    session.execute(mine.values(**values))
                    done.sent += 1
                elif outcome.status in ("retry", "deferred"):
                    session.execute(
                        mine.values(
                            status=PENDING,
                            next_attempt_at=outcome.retry_at,
                            error=outcome.error,
                            attempts=job.attempts - (1 if outcome.status == "deferred" else 0),
                        )
                    )
                    done.retried += outcome.status == "retry"
                    done.deferred += outcome.status == "deferred"
                elif outcome.status == "unreachable":
                    session.execute(mine.values(status=MessageStatus.FAILED.value, error=outcome.error))
                    stop_conversation(
                        session, job.conversation_id, now=now, reason=outcome.error or "unreachable"
                    )
                    done.unreachable += 1
                else:
                    status = (
                        MessageStatus.CANCELLED if outcome.status == "cancelled" else MessageStatus.FAILED
                    )
                    session.execute(mine.values(status=status.value, error=outcome.error))
                    done.failed += status is MessageStatus.FAILED
                delete_contact_if_done(session, job.conversation_id)
        return done

    # --- the sending side ----------------------------------------------------------------

    async def _deliver(self, job: Job, now: datetime) -> Outcome:
        if job.expires_at is not None and now >= job.expires_at:
            return Outcome(job, "cancelled", "expired")
        if self._quiet.is_quiet(now):
            return Outcome(job, "deferred", "quiet hours", retry_at=self._quiet.next_allowed(now))
        if not job.address_token:
            return Outcome(job, "cancelled", "contact gone before sending")
        sender = self._senders[job.channel]
        try:
            address = self._cipher.decrypt(job.address_token)
            messages = await self._composer.compose(job.conversation_id, job.channel, job.content)
            provider_id = await sender.send(address, messages)
        except UnreadableAddress:
            return Outcome(job, "unreachable", "address unreadable with the configured keys")
        except Undeliverable as error:
            return Outcome(job, "unreachable", str(error)[:200])
        except TryLater as error:
            return self._retry(job, now, str(error))
        except SendFailed as error:
            return Outcome(job, "failed", str(error)[:200])
        except Exception as error:  # a fault of ours: this message fails, the gateway carries on
            frames = "".join(traceback.format_tb(error.__traceback__))
            log.error("Outbound message %d failed with %s\n%s", job.id, type(error).__name__, frames)
            return Outcome(job, "failed", f"error: {type(error).__name__}")
        return Outcome(job, "sent", provider_id=provider_id, messages=messages)

    def _retry(self, job: Job, now: datetime, reason: str) -> Outcome:
        if job.attempts >= self._max_attempts:
            return Outcome(job, "failed", f"gave up after {job.attempts} attempts: {reason}"[:200])
        pause = self._backoff[min(job.attempts, len(self._backoff)) - 1]
        retry_at = self._quiet.next_allowed(now + timedelta(seconds=pause))
        if job.expires_at is not None and retry_at >= job.expires_at:
            return Outcome(job, "failed", f"no time left to retry: {reason}"[:200])
        return Outcome(job, "retry", reason[:200], retry_at=retry_at)

    async def _remember_options(self, outcomes: list[Outcome]) -> None:
        """A typed "1" after a reminder means its first option, as after any reply."""
        if self._state is None:
            return
        for outcome in outcomes:
            options = offered_options(outcome.messages) if outcome.status == "sent" else []
            if options:
                try:
                    await self._state.remember_options(outcome.job.conversation_id, options)
                except Exception as error:  # the message went; only "1" will not be understood
                    log.warning("Options of a sent message not kept (%s)", type(error).__name__)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
