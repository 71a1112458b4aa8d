"""Login rate limiting: a few failed attempts per address and email, then a pause.

Counts failures in a fixed window per key: the client address with the email tried; the
address alone with a larger allowance, so one address cannot try many emails; and the email
alone with a larger allowance still, so many addresses cannot share out the guesses at one
account. The address is the one bot.proxies trusts (X-Forwarded-For only from our proxies).
A block lasts until its window ends and refused attempts are not counted, so nobody can lock
an account for longer than the window: after it the account can be tried again (an attacker
keeping it locked must keep failing, window after window, and is logged doing so). In memory
for one gateway; in Redis when REDIS_URL is set, so every replica sees the same counts.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

# One address may try this many times as many failures as one address and email may.
PER_ADDRESS_FACTOR = 4
# One account may fail this many times as often, from all addresses together.
PER_ACCOUNT_FACTOR = 4


class Counter(Protocol):
    def hit(self, key: str, window: int) -> int:
        """Count one failure; return the failures in the current window."""

    def count(self, key: str) -> int: ...

    def reset(self, key: str) -> None: ...

    def retry_after(self, key: str) -> int: ...


class MemoryCounter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window ends at, failures)

    def _live(self, key: str) -> tuple[float, int] | None:
        entry = self._windows.get(key)
        if entry is not None and entry[0] <= self._clock():
            del self._windows[key]
            return None
        return entry

    def hit(self, key: str, window: int) -> int:
        with self._lock:
            entry = self._live(key)
            ends, failures = entry if entry else (self._clock() + window, 0)
            self._windows[key] = (ends, failures + 1)
            if len(self._windows) > 100_000:  # an attack with random emails: forget the oldest
                for stale in sorted(self._windows, key=lambda k: self._windows[k][0])[:50_000]:
                    del self._windows[stale]
            return failures + 1

    def count(self, key: str) -> int:
        with self._lock:
            entry = self._live(key)
            return entry[1] if entry else 0

    def reset(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def retry_after(self, key: str) -> int:
        with self._lock:
            entry = self._live(key)
            return max(1, math.ceil(entry[0] - self._clock())) if entry else 0


class RedisCounter:
    """The same counts in Redis (INCR with an expiry), shared by all gateway replicas."""

    def __init__(self, url: str, prefix: str = "getonline:login:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def hit(self, key: str, window: int) -> int:
        name = self._prefix + key
        with self._redis.pipeline() as pipe:
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            failures, _ = pipe.execute()
        return int(failures)

    def count(self, key: str) -> int:
        value = self._redis.get(self._prefix + key)
        return int(value) if value else 0

    def reset(self, key: str) -> None:
        self._redis.delete(self._prefix + key)

    def retry_after(self, key: str) -> int:
        return max(1, int(self._redis.ttl(self._prefix + key)))


class LoginLimiter:
    """Allows `attempts` failures per address and email in `window` seconds."""

    def __init__(self, counter: Counter, attempts: int, window: int) -> None:
        self.counter = counter
        self.attempts = attempts
        self.window = window

    @staticmethod
    def _keys(address: str, email: str) -> tuple[str, str, str]:
        account = email.strip().lower()
        return f"pair:{address}:{account}", f"address:{address}", f"account:{account}"

    def blocked_for(self, address: str, email: str) -> int:
        """Seconds until this address may try this email again; 0 when it may now."""
        limits = zip(self._keys(address, email), (1, PER_ADDRESS_FACTOR, PER_ACCOUNT_FACTOR), strict=True)
        waits = [
            self.counter.retry_after(key)
            for key, factor in limits
            if self.counter.count(key) >= self.attempts * factor
        ]
        return max(waits, default=0)

    def failed(self, address: str, email: str) -> None:
        for key in self._keys(address, email):
            self.counter.hit(key, self.window)

    def succeeded(self, address: str, email: str) -> None:
        self.counter.reset(self._keys(address, email)[0])


def make_limiter(
    attempts: int, window: int, redis_url: str | None, clock: Callable[[], float] = time.monotonic
) -> LoginLimiter:
    counter: Counter = RedisCounter(redis_url) if redis_url else MemoryCounter(clock)
    return LoginLimiter(counter, attempts, window)
