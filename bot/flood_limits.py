"""Flood limits: one noisy sender pays for its own flood, other residents are not held up.

Before a turn reaches the engine, the channel asks `FloodGuard.turn(conversation, address)`:

1. **One turn at a time per conversation** (`TurnQueue`, in this process). A conversation's
   turns share one tracker, and the engine would make them wait for its lock anyway, each on
   its 2.5 s deadline, while holding the engine and the action server for everyone else. Here
   they wait in the gateway instead, and a sender with more than `max_waiting` turns already
   waiting is refused at once.
2. **A rate with a burst per sender** (a web chat id, an SMS number, a Telegram chat) and, for
   the web chat, **per client address** (`bot.proxies.client_address`): GCRA, the token bucket's
   bookkeeping in one number per key. In Redis (REDIS_URL, an atomic Lua script) when several
   gateways serve the same residents, in a bounded dict otherwise. Many residents can share an
   address (a library's wifi, a mobile network), so its limit is much wider than a sender's.

A refused turn never reaches the engine, the usage counts or the conversation's state: the
channel tells the resident to slow down (`SLOW_DOWN`). The refusal says whether it is the first
in a while (`Refusal.tell`), so a channel where each reply costs (SMS) or counts against the
bot's own sending limit (Telegram) tells the sender once and then stays quiet.

Checks run cheapest first, and each only consumes its own budget: turns refused by the queue
use none of the sender's rate, and turns refused per sender none of the address's, so a sender
flooding from a shared address costs its neighbours nothing.

**Refusing is nearly free**, because a flood's messages share the gateway's event loop with
everyone else's turns: `FloodGuard.refuse_at_once` answers, without awaiting anything, for a
conversation whose queue is full and for a sender or address a limiter refused moments ago
(`Blocked` remembers until when, so a flood costs no Redis round trip per message), and the
REST webhook (bot/gateway/rest.py) asks it before building anything. Waiting turns wait on the
conversation's lock in the gateway, before the engine is called, so they hold no engine
connection, no action-server work and no slot of the engine client's connection pool.

**Why the queue is per process, though the rates are shared.** With several gateway replicas,
one sender's flood is spread over them (by connection or by request), and each replica lets at
most one turn of the conversation run and `max_waiting` wait: at most `replicas` turns of one
conversation reach the engines at once. How many reach them in all is the sender's rate,
which *is* shared (Redis), so the flood still costs its sender: the engines serialise a
conversation's turns with their lock store, where the few concurrent ones wait without using
CPU, and at worst the flooder itself gets an apology. A shared queue would cost a Redis round
trip on every resident's turn and need a lease that survives a replica dying mid-turn, for
nothing the rates do not already bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
# After telling a sender to slow down, refusals within this time are not told again.
TELL_AGAIN_SECONDS = 60.0


@dataclass(frozen=True)
class Limit:
    """`burst` turns at once, then one every `1 / per_second` seconds; per_second <= 0: no limit."""

    per_second: float
    burst: int

    @property
    def on(self) -> bool:
        return self.per_second > 0 and self.burst > 0

    @property
    def interval_ms(self) -> int:
        return max(1, round(1000 / self.per_second))

    @classmethod
    def per_minute(cls, turns: float, burst: int) -> Limit:
        return cls(turns / 60, burst)


# One slow-down message per conversation per TELL_AGAIN_SECONDS (`FloodGuard._told_now`).
TELL_ONCE = Limit(1 / TELL_AGAIN_SECONDS, 1)


class RateLimiter(Protocol):
    async def wait_ms(self, key: str, limit: Limit) -> int:
        """0 if a turn for `key` may go now (and counts it); else milliseconds until one may."""
        ...

    async def aclose(self) -> None: ...


def gcra(tat_ms: int | None, now_ms: int, limit: Limit) -> tuple[int, int | None]:
    """Generic cell rate algorithm: (wait in ms, the key's new theoretical arrival time or None).

    The theoretical arrival time (TAT) is when the key's bucket would be empty again. A turn may
    go if, after adding one interval, the TAT is at most `burst` intervals ahead of now."""
    interval = limit.interval_ms
    new_tat = max(tat_ms if tat_ms is not None else now_ms, now_ms) + interval
    allowed_from = new_tat - limit.burst * interval
    if now_ms < allowed_from:
        return allowed_from - now_ms, None
    return 0, new_tat


class MemoryRateLimiter:
    """For one gateway process: bounded (oldest keys dropped first) and swept as keys expire."""

    def __init__(self, max_keys: int = 100_000, clock: Clock = time.monotonic) -> None:
        self._tats: OrderedDict[str, int] = OrderedDict()
        self._max = max_keys
        self._clock = clock

    async def wait_ms(self, key: str, limit: Limit) -> int:
        return self.take_ms(key, limit)

    def take_ms(self, key: str, limit: Limit) -> int:
        """As `wait_ms`, without awaiting: the check and the count are one step."""
        now_ms = math.floor(self._clock() * 1000)
        self._sweep(now_ms)
        wait, new_tat = gcra(self._tats.get(key), now_ms, limit)
        if new_tat is not None:
            self._tats[key] = new_tat
            self._tats.move_to_end(key)
            while len(self._tats) > self._max:
                self._tats.popitem(last=False)
        return wait

    def _sweep(self, now_ms: int) -> None:
        """A key whose TAT has passed is as good as new: drop it (oldest-touched first)."""
        while self._tats:
            key, tat = next(iter(self._tats.items()))
            if tat > now_ms:
                return
            del self._tats[key]

    def __len__(self) -> int:
        return len(self._tats)

    async def aclose(self) -> None:
        self._tats.clear()


# GCRA in one atomic step, so gateways sharing Redis never both take the last turn of a burst
# (the pattern of redis-cell and of "rate limiting with GCRA" in Lua). Integers only: Redis
# truncates Lua numbers it returns. The key expires when its bucket would be full again.
GCRA_LUA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then
  tat = math.max(tonumber(stored), now)
end
local new_tat = tat + interval
local allowed_from = new_tat - burst * interval
if now < allowed_from then
  return allowed_from - now
end
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
return 0
"""


class RedisRateLimiter:
    """Shared by every gateway on the same Redis. The time comes from the gateways' clocks (wall
    time, which agrees across machines to well within a turn's interval)."""

    def __init__(self, url: str, prefix: str = "getonline:limits:", clock: Clock = time.time) -> None:
        self._redis = aioredis.Redis.from_url(url, socket_timeout=1.0)
        self._script = self._redis.register_script(GCRA_LUA)
        self._prefix = prefix
        self._clock = clock

    async def wait_ms(self, key: str, limit: Limit) -> int:
        now_ms = math.floor(self._clock() * 1000)
        args = [now_ms, limit.interval_ms, limit.burst]
        return int(await self._script(keys=[self._prefix + key], args=args))

    async def aclose(self) -> None:
        await self._redis.aclose()


def create_rate_limiter(redis_url: str | None) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()


class Blocked:
    """Keys a limiter refused, until the time it said a turn may go: a turn before then is
    refused again without asking it (no Redis round trip per message of a flood).

    Exact for GCRA: a refusal does not move the key's TAT, and turns let through elsewhere can
    only move it later, so a key is never blocked for longer than the limiter would say. Bounded
    and swept like `MemoryRateLimiter`."""

    def __init__(self, max_keys: int = 100_000, clock: Clock = time.monotonic) -> None:
        self._until: OrderedDict[str, float] = OrderedDict()
        self._max = max_keys
        self._clock = clock

    def block(self, key: str, seconds: float) -> None:
        now = self._clock()
        while self._until and next(iter(self._until.values())) <= now:  # oldest-set first
            self._until.popitem(last=False)
        self._until[key] = now + seconds
        self._until.move_to_end(key)
        while len(self._until) > self._max:
            self._until.popitem(last=False)

    def remaining(self, key: str) -> float:
        """Seconds until `key` may go again; 0 when it is not blocked."""
        until = self._until.get(key)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self._until[key]
            return 0.0
        return left

    def __len__(self) -> int:
        return len(self._until)


class TurnQueue:
    """One turn at a time per key; at most `max_waiting` more wait, later ones are refused.

    Admission is decided without awaiting anything, so turns arriving together are counted in
    the order they arrive. Keys are dropped when their last turn leaves: memory follows the
    requests in flight, not the senders ever seen."""

    def __init__(self, max_waiting: int) -> None:
        self._max_waiting = max_waiting
        self._keys: dict[str, tuple[asyncio.Lock, int]] = {}

    def admit(self, key: str) -> asyncio.Lock | None:
        """The key's lock (to hold for the turn) if there is room, counted until `leave`."""
        lock, count = self._keys.get(key) or (asyncio.Lock(), 0)
        if count > self._max_waiting:
            return None
        self._keys[key] = (lock, count + 1)
        return lock

    def leave(self, key: str) -> None:
        lock, count = self._keys[key]
        if count <= 1:
            del self._keys[key]
        else:
            self._keys[key] = (lock, count - 1)

    def waiting(self, key: str) -> int:
        """Turns of this key running or waiting."""
        return self._keys.get(key, (None, 0))[1]

    def full(self, key: str) -> bool:
        """`admit` would refuse the key now."""
        return self.waiting(key) > self._max_waiting


@dataclass(frozen=True)
class Refusal:
    """Why a turn was refused; `tell`: the first refusal in a while, worth a message."""

    reason: str  # "queue", "sender" or "address"
    retry_after_seconds: float
    tell: bool


@dataclass(frozen=True)
class FloodLimits:
    max_waiting: int = 2
    sender: Limit = Limit(0.5, 20)  # 30 a minute
    address: Limit = Limit(10.0, 120)  # 600 a minute


class FloodGuard:
    def __init__(
        self,
        limiter: RateLimiter,
        limits: FloodLimits | None = None,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self._limiter = limiter
        self._limits = limits or FloodLimits()
        self._queue = TurnQueue(self._limits.max_waiting)
        self._blocked = Blocked(clock=clock)
        # Who was told to slow down, and when: kept in this process (telling twice, from two
        # gateways, is harmless), bounded like any in-memory limit.
        self._told = MemoryRateLimiter(clock=clock)
        self._last_warning = -math.inf
        self._clock = clock

    @property
    def queue(self) -> TurnQueue:
        return self._queue

    def refuse_at_once(self, conversation: str, address: str | None = None) -> Refusal | None:
        """Why `turn` would refuse now, if that is known without awaiting anything: the
        conversation's queue is full, or a limiter refused its sender or address moments ago.

        The cheap first check of a flood's message (no limiter asked, nothing counted), so an
        endpoint can answer it before building anything. None does not promise that `turn`
        will take it."""
        if self._queue.full(conversation):
            return self._refusal(conversation, "queue", 0)
        keys = [(f"sender:{conversation}", "sender")]
        if address is not None:
            keys.append((f"address:{address}", "address"))
        for key, reason in keys:
            if left := self._blocked.remaining(key):
                return self._refusal(conversation, reason, math.ceil(left * 1000))
        return None

    @contextlib.asynccontextmanager
    async def turn(self, conversation: str, address: str | None = None) -> AsyncIterator[Refusal | None]:
        """Hold the conversation's turn for the body (yields None), or yield why not."""
        lock = self._queue.admit(conversation)
        if lock is None:
            yield self._refusal(conversation, "queue", 0)
            return
        try:
            refusal = await self._over_rate(conversation, address)
            if refusal is not None:
                yield refusal
                return
            async with lock:
                yield None
        finally:
            self._queue.leave(conversation)

    async def _over_rate(self, conversation: str, address: str | None) -> Refusal | None:
        checks = [(f"sender:{conversation}", self._limits.sender, "sender")]
        if address is not None:
            checks.append((f"address:{address}", self._limits.address, "address"))
        for key, limit, reason in checks:
            if not limit.on:
                continue
            wait = math.ceil(self._blocked.remaining(key) * 1000) or await self._wait_ms(key, limit)
            if wait:
                self._blocked.block(key, wait / 1000)
                return self._refusal(conversation, reason, wait)
        return None

    async def _wait_ms(self, key: str, limit: Limit) -> int:
        """The limiter's answer; with Redis unreachable the turn goes ahead (a limit is a guard,
        not a reason to leave residents unanswered), and that is logged once a minute."""
        try:
            return await self._limiter.wait_ms(key, limit)
        except Exception as error:
            now = self._clock()
            if now - self._last_warning >= TELL_AGAIN_SECONDS:
                self._last_warning = now
                logger.warning("rate limit unavailable (%s): turns go unlimited", type(error).__name__)
            return 0

    def _refusal(self, conversation: str, reason: str, wait_ms: int) -> Refusal:
        tell = self._told_now(conversation)
        if tell:
            logger.warning("a sender was told to slow down (%s): %s", reason, conversation)
        return Refusal(reason, max(wait_ms / 1000, 1.0), tell)

    def _told_now(self, conversation: str) -> bool:
        """True at most once a minute per conversation (a limit of its own, in memory)."""
        return self._told.take_ms(conversation, TELL_ONCE) == 0

    async def aclose(self) -> None:
        await self._limiter.aclose()
        await self._told.aclose()
