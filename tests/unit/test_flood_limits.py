"""Flood limits: one turn at a time per conversation, a burst then a rate per sender and address.

Time comes from a clock the test moves; concurrency from events the test sets.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from bot.flood_limits import (
    Blocked,
    FloodGuard,
    FloodLimits,
    Limit,
    MemoryRateLimiter,
    TurnQueue,
    gcra,
)


@dataclass
class Clock:
    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now


async def allowed(limiter: MemoryRateLimiter, key: str, limit: Limit, times: int) -> int:
    return sum([await limiter.wait_ms(key, limit) == 0 for _ in range(times)])


async def test_a_burst_goes_at_once_then_one_turn_per_interval() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    limit = Limit(per_second=0.5, burst=5)
    assert await allowed(limiter, "a", limit, 20) == 5
    assert await limiter.wait_ms("a", limit) == 2000
    clock.now += 1.9
    assert await allowed(limiter, "a", limit, 1) == 0
    clock.now += 0.1
    assert await allowed(limiter, "a", limit, 5) == 1
    clock.now += 60
    assert await allowed(limiter, "a", limit, 20) == 5, "a quiet minute refills the burst"


async def test_refused_turns_do_not_push_the_limit_further_away() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    limit = Limit(per_second=1, burst=2)
    await allowed(limiter, "a", limit, 1000)
    clock.now += 1
    assert await allowed(limiter, "a", limit, 1) == 1


async def test_keys_are_limited_apart() -> None:
    limiter = MemoryRateLimiter(clock=Clock())
    limit = Limit(per_second=1, burst=3)
    assert await allowed(limiter, "flooder", limit, 100) == 3
    assert await allowed(limiter, "neighbour", limit, 3) == 3


async def test_memory_stays_bounded_and_expired_keys_go() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(max_keys=100, clock=clock)
    limit = Limit(per_second=1, burst=3)
    for sender in range(1000):
        await limiter.wait_ms(f"s{sender}", limit)
    assert len(limiter) == 100
    clock.now += 2
    await limiter.wait_ms("new", limit)
    assert len(limiter) == 1


def test_gcra_by_hand() -> None:
    limit = Limit(per_second=10, burst=2)  # 100 ms apart
    assert gcra(None, 0, limit) == (0, 100)
    assert gcra(100, 0, limit) == (0, 200)
    assert gcra(200, 0, limit) == (100, None)
    assert gcra(200, 100, limit) == (0, 300)


def test_a_limit_of_zero_is_off() -> None:
    assert not Limit(0, 10).on and not Limit(1, 0).on and Limit.per_minute(30, 20).on
    assert Limit.per_minute(30, 20).interval_ms == 2000


def test_the_queue_holds_one_running_and_max_waiting_more() -> None:
    queue = TurnQueue(max_waiting=2)
    locks = [queue.admit("c") for _ in range(3)]
    assert all(lock is locks[0] for lock in locks) and locks[0] is not None
    assert queue.admit("c") is None
    assert queue.admit("other") is not None
    for _ in range(3):
        queue.leave("c")
    assert queue.waiting("c") == 0 and queue.admit("c") is not None


def guard(clock: Clock, **limits: object) -> FloodGuard:
    return FloodGuard(MemoryRateLimiter(clock=clock), FloodLimits(**limits), clock=clock)  # type: ignore[arg-type]


async def test_a_conversations_turns_run_one_at_a_time_in_order_and_the_excess_is_refused() -> None:
    flood = guard(Clock(), max_waiting=2, sender=Limit(0, 0), address=Limit(0, 0))
    release = asyncio.Event()
    running: list[int] = []
    ran: list[int] = []
    refused: list[str] = []

    async def turn(number: int) -> None:
        async with flood.turn("c") as refusal:
            if refusal:
                refused.append(refusal.reason)
                return
            running.append(number)
            assert len(running) == 1, "two turns of one conversation at once"
            await release.wait()
            ran.append(number)
            running.remove(number)

    tasks = [asyncio.create_task(turn(n)) for n in range(10)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert refused == ["queue"] * 7, "the excess is refused at once, before any turn finishes"
    release.set()
    await asyncio.gather(*tasks)
    assert ran == [0, 1, 2]
    assert flood.queue.waiting("c") == 0


async def test_a_sender_over_its_rate_is_refused_and_told_once_a_minute() -> None:
    clock = Clock()
    flood = guard(clock, sender=Limit(per_second=0.5, burst=3), address=Limit(0, 0))
    verdicts = []
    for _ in range(6):
        async with flood.turn("c") as refusal:
            verdicts.append(refusal)
    assert verdicts[:3] == [None, None, None]
    told = [(r.reason, r.tell) for r in verdicts[3:] if r]
    assert told == [("sender", True), ("sender", False), ("sender", False)]
    assert verdicts[3] and verdicts[3].retry_after_seconds == 2.0
    clock.now += 61
    for expected in (None, None, None):
        async with flood.turn("c") as refusal:
            assert refusal is expected
    async with flood.turn("c") as again:
        assert again and again.tell, "a minute later the sender is told again"


async def test_a_sender_flooding_from_a_shared_address_does_not_use_up_the_address() -> None:
    clock = Clock()
    flood = guard(clock, sender=Limit(per_second=0.1, burst=2), address=Limit(per_second=0.1, burst=5))
    for _ in range(100):
        async with flood.turn("flooder", "10.0.0.1"):
            pass
    answered = 0
    for neighbour in range(4):
        async with flood.turn(f"neighbour-{neighbour}", "10.0.0.1") as refusal:
            answered += refusal is None
    assert answered == 3, "the address's 5 minus the flooder's 2 admitted turns"


async def test_many_senders_from_one_address_meet_the_address_limit() -> None:
    flood = guard(Clock(), sender=Limit(1, 5), address=Limit(per_second=1, burst=10))
    reasons = []
    for sender in range(15):
        async with flood.turn(f"made-up-{sender}", "10.0.0.9") as refusal:
            reasons.append(refusal.reason if refusal else None)
    assert reasons == [None] * 10 + ["address"] * 5
    async with flood.turn("someone-else", "10.0.0.10") as refusal:
        assert refusal is None


async def test_turns_refused_by_the_queue_use_none_of_the_senders_rate() -> None:
    flood = guard(Clock(), max_waiting=0, sender=Limit(per_second=0.01, burst=2), address=Limit(0, 0))
    release = asyncio.Event()

    async def hold() -> None:
        async with flood.turn("c") as refusal:
            assert refusal is None
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    for _ in range(50):
        async with flood.turn("c") as refusal:
            assert refusal and refusal.reason == "queue"
    release.set()
    await holder
    async with flood.turn("c") as refusal:
        assert refusal is None, "the second of the burst of 2 is still there"


class BrokenLimiter:
    async def wait_ms(self, key: str, limit: Limit) -> int:
        raise ConnectionError("redis is down")

    async def aclose(self) -> None:
        pass


async def test_with_the_shared_limiter_down_turns_still_go(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    flood = FloodGuard(BrokenLimiter(), FloodLimits(), clock=clock)
    for _ in range(30):
        async with flood.turn("c", "10.0.0.1") as refusal:
            assert refusal is None
    assert sum("rate limit unavailable" in r.message for r in caplog.records) == 1


class CountingLimiter(MemoryRateLimiter):
    """The in-memory limiter, counting how often it is asked (as each ask is a Redis round trip)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock=clock)
        self.asked = 0

    async def wait_ms(self, key: str, limit: Limit) -> int:
        self.asked += 1
        return await super().wait_ms(key, limit)


async def test_a_key_the_limiter_refused_is_refused_again_without_asking_it_until_its_time() -> None:
    clock = Clock()
    limiter = CountingLimiter(clock)
    flood = FloodGuard(
        limiter, FloodLimits(sender=Limit(per_second=0.5, burst=2), address=Limit(0, 0)), clock=clock
    )
    for _ in range(2):
        async with flood.turn("c") as refusal:
            assert refusal is None
    async with flood.turn("c") as refusal:
        assert refusal and refusal.reason == "sender" and refusal.retry_after_seconds == 2.0
    assert limiter.asked == 3
    for _ in range(100):
        assert flood.refuse_at_once("c") is not None
        async with flood.turn("c") as refusal:
            assert refusal and refusal.reason == "sender"
    assert limiter.asked == 3, "a flood's messages cost no round trip to the limiter"
    clock.now += 2
    assert flood.refuse_at_once("c") is None
    async with flood.turn("c") as refusal:
        assert refusal is None, "the limiter is asked again when it said a turn could go"
    assert limiter.asked == 4


async def test_an_address_the_limiter_refused_is_refused_at_once_for_any_sender() -> None:
    clock = Clock()
    flood = guard(clock, sender=Limit(1, 5), address=Limit(per_second=1, burst=3))
    for sender in range(4):
        async with flood.turn(f"made-up-{sender}", "10.0.0.9"):
            pass
    refusal = flood.refuse_at_once("made-up-99", "10.0.0.9")
    assert refusal and refusal.reason == "address"
    assert flood.refuse_at_once("made-up-99", "10.0.0.10") is None, "another address is not held"
    clock.now += 1
    assert flood.refuse_at_once("made-up-99", "10.0.0.9") is None


async def test_a_full_queue_is_refused_at_once_and_counts_nothing() -> None:
    flood = guard(Clock(), max_waiting=1, sender=Limit(per_second=0.01, burst=3), address=Limit(0, 0))
    release = asyncio.Event()

    async def hold() -> None:
        async with flood.turn("c") as refusal:
            assert refusal is None
            await release.wait()

    holders = [asyncio.create_task(hold()) for _ in range(2)]
    await asyncio.sleep(0)
    assert flood.refuse_at_once("other") is None
    for _ in range(50):
        refusal = flood.refuse_at_once("c")
        assert refusal and refusal.reason == "queue"
    assert flood.queue.waiting("c") == 2
    release.set()
    await asyncio.gather(*holders)
    assert flood.refuse_at_once("c") is None
    async with flood.turn("c") as refusal:
        assert refusal is None, "the third of the burst of 3 is still there"


def test_blocked_keys_expire_and_stay_bounded() -> None:
    clock = Clock()
    blocked = Blocked(max_keys=3, clock=clock)
    for key in "abcd":
        blocked.block(key, 5)
    assert len(blocked) == 3 and blocked.remaining("a") == 0, "the oldest went first"
    assert blocked.remaining("d") == 5
    clock.now += 5
    assert blocked.remaining("d") == 0 and blocked.remaining("b") == 0
    assert len(blocked) == 1
    blocked.block("e", 5)
    assert len(blocked) == 1, "blocking sweeps the keys whose time has passed"
