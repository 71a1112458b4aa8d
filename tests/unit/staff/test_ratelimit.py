from __future__ import annotations

import uuid

from bot.staff.ratelimit import (
    PER_ACCOUNT_FACTOR,
    PER_ADDRESS_FACTOR,
    LoginLimiter,
    MemoryCounter,
    RedisCounter,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_failures_block_that_email_from_that_address_until_the_window_ends() -> None:
    clock = Clock()
    limiter = LoginLimiter(MemoryCounter(clock), attempts=5, window=900)
    for _ in range(4):
        limiter.failed("10.0.0.1", "a@leeds.gov.uk")
    assert limiter.blocked_for("10.0.0.1", "a@leeds.gov.uk") == 0
    limiter.failed("10.0.0.1", "A@leeds.gov.uk ")
    assert limiter.blocked_for("10.0.0.1", "a@leeds.gov.uk") == 900
    assert limiter.blocked_for("10.0.0.2", "a@leeds.gov.uk") == 0, "another address is not blocked"
    assert limiter.blocked_for("10.0.0.1", "b@leeds.gov.uk") == 0, "another email is not blocked"
    clock.now += 600
    assert limiter.blocked_for("10.0.0.1", "a@leeds.gov.uk") == 300
    clock.now += 301
    assert limiter.blocked_for("10.0.0.1", "a@leeds.gov.uk") == 0


def test_a_success_clears_the_failures_of_that_email() -> None:
    limiter = LoginLimiter(MemoryCounter(Clock()), attempts=3, window=60)
    limiter.failed("10.0.0.1", "a@leeds.gov.uk")
    limiter.failed("10.0.0.1", "a@leeds.gov.uk")
    limiter.succeeded("10.0.0.1", "a@leeds.gov.uk")
    limiter.failed("10.0.0.1", "a@leeds.gov.uk")
    limiter.failed("10.0.0.1", "a@leeds.gov.uk")
    assert limiter.blocked_for("10.0.0.1", "a@leeds.gov.uk") == 0


def test_one_address_trying_many_emails_is_blocked_too() -> None:
    limiter = LoginLimiter(MemoryCounter(Clock()), attempts=2, window=60)
    for number in range(2 * PER_ADDRESS_FACTOR):
        limiter.failed("10.0.0.9", f"user{number}@leeds.gov.uk")
    assert limiter.blocked_for("10.0.0.9", "new@leeds.gov.uk") > 0
    assert limiter.blocked_for("10.0.0.8", "new@leeds.gov.uk") == 0


def test_redis_counts_are_shared_between_limiters(redis_url: str) -> None:
    import redis

    url = redis_url
    prefix = f"test:{uuid.uuid4().hex}:"
    one = LoginLimiter(RedisCounter(url, prefix), attempts=2, window=60)
    two = LoginLimiter(RedisCounter(url, prefix), attempts=2, window=60)
    try:
        one.failed("10.0.0.1", "a@leeds.gov.uk")
        two.failed("10.0.0.1", "a@leeds.gov.uk")
        assert 0 < one.blocked_for("10.0.0.1", "a@leeds.gov.uk") <= 60
        two.succeeded("10.0.0.1", "a@leeds.gov.uk")
        assert one.blocked_for("10.0.0.1", "a@leeds.gov.uk") == 0
    finally:
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def test_many_addresses_sharing_out_guesses_at_one_account_are_stopped_for_a_window() -> None:
    clock = Clock()
    limiter = LoginLimiter(MemoryCounter(clock), attempts=5, window=900)
    for number in range(5 * PER_ACCOUNT_FACTOR):
        address = f"10.1.{number}.1"
        assert limiter.blocked_for(address, "a@leeds.gov.uk") == 0
        limiter.failed(address, "a@leeds.gov.uk")
    assert limiter.blocked_for("192.0.2.7", "a@leeds.gov.uk") == 900, "even from a fresh address"
    assert limiter.blocked_for("192.0.2.7", "b@leeds.gov.uk") == 0, "other staff still log in"
    clock.now += 901
    assert limiter.blocked_for("192.0.2.7", "a@leeds.gov.uk") == 0, "the lock ends with its window"
