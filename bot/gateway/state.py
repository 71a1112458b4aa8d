"""The gateway's short-lived state: options offered, updates already handled, small lookups.

In memory for one gateway process (`make run`); in Redis (REDIS_URL) when several gateway
replicas serve the same residents, so a typed "2" or a Telegram retry is understood by
whichever replica receives it. Nothing here is needed for long: every entry expires.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis

Buttons = list[dict[str, str]]
DAY = 24 * 3600
# Values a channel keeps about one conversation (with put/get): "forget me" drops them with the
# conversation's options, rather than leaving them to expire.
CONVERSATION_VALUES = (
    "telegram:keyboard:{conversation}",
    "offered:{conversation}",  # bot/gateway/choices.py
    "referral:{conversation}",  # bot/gateway/turns.py: a code waiting for a real message
)


def conversation_values(conversation_id: str) -> list[str]:
    return [key.format(conversation=conversation_id) for key in CONVERSATION_VALUES]


class SharedState(Protocol):
    async def remember_options(self, conversation_id: str, buttons: Buttons) -> None: ...
    async def options(self, conversation_id: str) -> Buttons: ...
    async def forget(self, conversation_id: str) -> None: ...
    async def claim(self, key: str, ttl_seconds: int = DAY) -> bool:
        """True the first time a key is claimed (within its lifetime), False after."""
        ...

    async def put(self, key: str, value: str, ttl_seconds: int = DAY) -> None: ...
    async def get(self, key: str) -> str | None: ...
    async def aclose(self) -> None: ...


class MemoryState:
    """Bounded and expiring, so a flood of new senders cannot grow it without limit."""

    def __init__(self, max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max = max_entries
        self._now = clock

    def _set(self, key: str, value: str, ttl_seconds: int) -> None:
        self._entries[key] = (self._now() + ttl_seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def _get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < self._now():
            del self._entries[key]
            return None
        return entry[1]

    async def remember_options(self, conversation_id: str, buttons: Buttons) -> None:
        self._set(f"options:{conversation_id}", json.dumps(buttons), DAY)

    async def options(self, conversation_id: str) -> Buttons:
        return json.loads(self._get(f"options:{conversation_id}") or "[]")

    async def forget(self, conversation_id: str) -> None:
        self._entries.pop(f"options:{conversation_id}", None)
        for key in conversation_values(conversation_id):
            self._entries.pop(f"value:{key}", None)

    async def claim(self, key: str, ttl_seconds: int = DAY) -> bool:
        if self._get(f"claim:{key}") is not None:
            return False
        self._set(f"claim:{key}", "1", ttl_seconds)
        return True

    async def put(self, key: str, value: str, ttl_seconds: int = DAY) -> None:
        self._set(f"value:{key}", value, ttl_seconds)

    async def get(self, key: str) -> str | None:
        return self._get(f"value:{key}")

    async def aclose(self) -> None:
        self._entries.clear()


class RedisState:
    def __init__(self, url: str, prefix: str = "getonline:gateway:") -> None:
        self._redis = aioredis.Redis.from_url(url, decode_responses=True, socket_timeout=1.0)
        self._prefix = prefix

    def _key(self, kind: str, key: str) -> str:
        return f"{self._prefix}{kind}:{key}"

    async def remember_options(self, conversation_id: str, buttons: Buttons) -> None:
        await self._redis.set(self._key("options", conversation_id), json.dumps(buttons), ex=DAY)

    async def options(self, conversation_id: str) -> Buttons:
        return json.loads(await self._redis.get(self._key("options", conversation_id)) or "[]")

    async def forget(self, conversation_id: str) -> None:
        await self._redis.delete(
            self._key("options", conversation_id),
            *(self._key("value", key) for key in conversation_values(conversation_id)),
        )

    async def claim(self, key: str, ttl_seconds: int = DAY) -> bool:
        return bool(await self._redis.set(self._key("claim", key), "1", ex=ttl_seconds, nx=True))

    async def put(self, key: str, value: str, ttl_seconds: int = DAY) -> None:
        await self._redis.set(self._key("value", key), value, ex=ttl_seconds)

    async def get(self, key: str) -> str | None:
        return await self._redis.get(self._key("value", key))

    async def aclose(self) -> None:
        await self._redis.aclose()


def create_state(redis_url: str | None) -> SharedState:
    return RedisState(redis_url) if redis_url else MemoryState()
