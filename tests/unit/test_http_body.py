"""Bodies are read with a limit: an endless chunked body is refused after the limit, not read."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from starlette.types import Message, Receive

from bot.http_body import BodyTooLarge, ClientGone, NotJson, parse_json, read_limited, receive_limited


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


# --- the same for a plain ASGI endpoint (bot/gateway/rest.py) ------------------------------------
def received(*messages: Message) -> tuple[list[Message], Receive]:
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0)

    return queue, receive


async def test_a_plain_endpoint_reads_a_body_in_parts_and_refuses_one_too_large() -> None:
    _, receive = received(
        {"type": "http.request", "body": b'{"a"', "more_body": True},
        {"type": "http.request", "body": b": 1}"},
    )
    assert await receive_limited({"headers": []}, receive, limit=100) == b'{"a": 1}'
    endless, reads = endless_request(b"x" * 4096)
    with pytest.raises(BodyTooLarge):
        await receive_limited(endless.scope, endless.receive, limit=10_000)
    assert sum(reads) <= 10_000 + 4096


async def test_a_plain_endpoint_refuses_a_declared_length_over_the_limit_before_reading() -> None:
    left, receive = received({"type": "http.request", "body": b"{}"})
    with pytest.raises(BodyTooLarge):
        await receive_limited({"headers": [(b"content-length", b"50000")]}, receive, limit=10_000)
    assert left, "nothing was read"
    with pytest.raises(BodyTooLarge):
        await receive_limited({"headers": [(b"content-length", b"-1")]}, receive, limit=10_000)


async def test_a_client_gone_before_the_end_of_its_body_is_not_answered() -> None:
    _, receive = received(
        {"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}
    )
    with pytest.raises(ClientGone):
        await receive_limited({"headers": []}, receive)
