"""The gateway's usage recorder: turns are never slowed by the reports.

`record` only appends to a buffer; a background task writes the buffer every second in one
statement. A conversation is recorded once per person and week, so the buffer stays small.
If the database is down the batch is dropped with a warning: figures for the reports are
worth less than the resident's reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from datetime import date

from sqlalchemy.exc import SQLAlchemyError

from bot.db.models import UsageKind
from bot.db.session import session_scope
from bot.usage.events import Usage, week_of, write_usage

log = logging.getLogger(__name__)


class UsageRecorder:
    def __init__(self, database_url: str, flush_seconds: float = 1.0, max_buffer: int = 10_000) -> None:
        self._url = database_url
        self._flush_seconds = flush_seconds
        self._max_buffer = max_buffer
        self._buffer: list[Usage] = []
        self._seen: OrderedDict[tuple[str, str, str, str, date], None] = OrderedDict()
        self._task: asyncio.Task[None] | None = None

    def record(self, kind: UsageKind, channel: str, conversation_id: str, detail: str = "") -> None:
        usage = Usage.of(kind, channel, conversation_id, detail)
        key = (usage.kind.value, usage.channel, usage.person, usage.detail, week_of(usage.day))
        if key in self._seen:
            return
        self._seen[key] = None
        while len(self._seen) > self._max_buffer * 10:
            self._seen.popitem(last=False)
        if len(self._buffer) < self._max_buffer:
            self._buffer.append(usage)

    def forget(self, person: str) -> None:
        """Drop what is not written yet for a person who asked to be forgotten."""
        self._buffer = [u for u in self._buffer if u.person != person]
        for key in [k for k in self._seen if k[2] == person]:
            del self._seen[key]

    async def flush(self) -> None:
        batch, self._buffer = self._buffer, []
        if not batch:
            return
        try:
            await asyncio.to_thread(self._write, batch)
        except SQLAlchemyError as error:
            log.warning("Dropped %d usage events: %s", len(batch), type(error).__name__)

    def _write(self, batch: list[Usage]) -> None:
        with session_scope(self._url) as session:
            write_usage(session, batch)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._flush_seconds)
            await self.flush()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
