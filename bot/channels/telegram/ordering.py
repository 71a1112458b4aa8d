"""Updates of different residents run at the same time; one resident's run in the order sent.

python-telegram-bot handles one update at a time unless told otherwise, so one slow engine turn
would hold up every resident. Running them all concurrently could answer a resident's "2" before
the message it answers. This processor (python-telegram-bot's extension point for exactly this)
keeps a lock per chat: tasks start in update order and queue on the lock in that order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

logger = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 256
# One chat waiting with more updates than this is flooding: later ones are dropped.
MAX_QUEUED_PER_CHAT = 10


class OneChatAtATime(BaseUpdateProcessor):
    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        max_queued_per_chat: int = MAX_QUEUED_PER_CHAT,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._max_queued = max_queued_per_chat
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock, queued = self._chats.get(chat.id, (asyncio.Lock(), 0))
        if queued >= self._max_queued:
            logger.warning("Dropped a Telegram update: one chat sent more than %d at once", self._max_queued)
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            return
        self._chats[chat.id] = (lock, queued + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, queued = self._chats[chat.id]
            if queued <= 1:
                del self._chats[chat.id]
            else:
                self._chats[chat.id] = (lock, queued - 1)

    async def initialize(self) -> None:
        """Nothing to set up: locks are made as chats arrive."""

    async def shutdown(self) -> None:
        self._chats.clear()
