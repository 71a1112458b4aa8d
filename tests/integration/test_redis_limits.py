"""The rate limit in Redis: several gateways share one budget per key, taken atomically."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from bot.flood_limits import Limit, MemoryRateLimiter, RedisRateLimiter


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_two_gateways_share_a_burst_and_its_rate(redis_url: str) -> None:
    clock = Clock()
    prefix = f"test:{uuid.uuid4().hex}:"
    first, second = RedisRateLimiter(redis_url, prefix, clock), RedisRateLimiter(redis_url, prefix, clock)
    limit = Limit(per_second=0.5, burst=4)
    try:
        waits = [await (first if n % 2 else second).wait_ms("sender:c", limit) for n in range(8)]
        assert waits[:4] == [0, 0, 0, 0] and waits[4:] == [2000] * 4
        clock.now += 2
        assert await second.wait_ms("sender:c", limit) == 0
        assert await first.wait_ms("sender:c", limit) == 2000
        assert await first.wait_ms("sender:other", limit) == 0
    finally:
        await first.aclose()
        await second.aclose()


async def test_concurrent_turns_never_take_more_than_the_burst(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    gateways = [RedisRateLimiter(redis_url, prefix, Clock()) for _ in range(4)]
    limit = Limit(per_second=0.1, burst=10)
    try:
        waits = await asyncio.gather(*(gateways[n % 4].wait_ms("address:1.2.3.4", limit) for n in range(200)))
        assert waits.count(0) == 10
    finally:
        for gateway in gateways:
            await gateway.aclose()


async def test_redis_and_memory_give_the_same_answers(redis_url: str) -> None:
    clock = Clock()
    redis = RedisRateLimiter(redis_url, f"test:{uuid.uuid4().hex}:", clock)
    memory = MemoryRateLimiter(clock=clock)
    limit = Limit(per_second=3, burst=5)
    steps = [0.0, 0.0, 0.1, 0.0, 0.05, 0.3, 0.0, 0.0, 0.0, 1.0, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0]
    try:
        for step in steps:
            clock.now += step
            assert await redis.wait_ms("k", limit) == await memory.wait_ms("k", limit)
    finally:
        await redis.aclose()


async def test_keys_expire_when_their_bucket_is_full_again(redis_url: str) -> None:
    import redis.asyncio as aioredis

    prefix = f"test:{uuid.uuid4().hex}:"
    limiter = RedisRateLimiter(redis_url, prefix, Clock())
    client = aioredis.Redis.from_url(redis_url)
    try:
        await limiter.wait_ms("k", Limit(per_second=1, burst=3))
        ttl_ms = await client.pttl(f"{prefix}k")
        assert 0 < ttl_ms <= 1000
    finally:
        await limiter.aclose()
        await client.aclose()
