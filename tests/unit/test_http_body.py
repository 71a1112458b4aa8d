"""Bodies are read with a limit: an endless chunked body is refused after the limit, not read."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from starlette.types import Message

from bot.http_body import BodyTooLarge, NotJson, parse_json, read_limited


def endless_request(
    chunk: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[Request, list[int]]:
    reads: list[int] = []

    async def receive() -> Message:
        reads.append(len(chunk))
        return {"type": "http.request", "body": chunk, "more_body": True}

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers or []}
    return Request(scope, receive), reads


async def test_an_endless_chunked_body_is_refused_once_past_the_limit() -> None:
    request, reads = endless_request(b"x" * 1000)
    with pytest.raises(BodyTooLarge):
        await read_limited(request, limit=10_000)
    assert sum(reads) == 11_000


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    request, reads = endless_request(b"x", [(b"content-length", b"50000000")])
    with pytest.raises(BodyTooLarge):
        await read_limited(request, limit=10_000)
    assert reads == []


async def test_a_body_within_the_limit_is_read_whole() -> None:
    sent = [b'{"a": ', b"1}"]

    async def receive() -> Message:
        return {"type": "http.request", "body": sent.pop(0), "more_body": bool(sent)}

    request = Request({"type": "http", "method": "POST", "path": "/", "headers": []}, receive)
    assert parse_json(await read_limited(request, limit=100)) == {"a": 1}


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 50_000, b"not json", b"\xff\xfe"])
def test_unreadable_json_is_one_error(body: bytes) -> None:
    with pytest.raises(NotJson):
        parse_json(body)
