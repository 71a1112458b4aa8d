"""The gateway's shared state in Redis behaves as the in-memory one: two replicas see one state."""

from __future__ import annotations

import uuid

from bot.gateway.state import RedisState

BUTTONS = [{"title": "Find help near me", "payload": "/find_help"}]


async def test_two_gateways_share_options_and_claims(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    first, second = RedisState(redis_url, prefix), RedisState(redis_url, prefix)
    try:
        await first.remember_options("conv", BUTTONS)
        assert await second.options("conv") == BUTTONS
        assert await first.claim("telegram:update:7")
        assert not await second.claim("telegram:update:7")
        await second.put("cb:abc", "/find_help", ttl_seconds=60)
        assert await first.get("cb:abc") == "/find_help"
        await second.put("telegram:keyboard:conv", "location", ttl_seconds=60)
        await first.forget("conv")
        await first.delete("telegram:keyboard:conv")
        assert await second.options("conv") == []
        assert await second.get("telegram:keyboard:conv") is None
        assert await second.get("cb:abc") == "/find_help"  # not the conversation's
    finally:
        await first.aclose()
        await second.aclose()
