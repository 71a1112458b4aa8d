"""The turn to the engine over aiohttp answers, and fails, exactly as it did over httpx.

`httpx_send` is `RasaEngine.send` as it was (kept as the reference): both are run against the
same small engines on real sockets (an answer, error statuses, a redirect, a body that is not
JSON, a slow engine, a replica that refuses the connection), and must give the same turn or the
same kind of error, after sending the same request.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest
from aiohttp import web

from bot.gateway.engine import (
    WEBHOOK,
    EngineDown,
    EngineTurn,
    EngineUnavailable,
    RasaEngine,
    parse_turn,
    token_params,
)

TOKEN = "s3cret&=é"
ANSWER = {
    "messages": [
        {"recipient_id": "c1", "text": "Hi “there” – 👋", "buttons": [{"title": "Menu", "payload": "/help"}]}
    ],
    "intent": "greet",
    "confidence": 0.93,
    "topic": None,
    "entities": [{"entity": "place", "value": "Leeds"}, {"nope": 1}],
}


async def httpx_send(
    urls: list[str], timeout: float, token: str | None, sender: str, text: str
) -> EngineTurn:
    """RasaEngine.send before aiohttp, word for word (one client per replica)."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    clients = [
        httpx.AsyncClient(base_url=url, timeout=timeout, params=token_params(token), limits=limits)
        for url in urls
    ]
    try:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        for client in clients:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                async with asyncio.timeout(remaining):
                    response = await client.post(
                        WEBHOOK, json={"sender": sender, "message": text, "channel": "web"}
                    )
                response.raise_for_status()
                return parse_turn(response.json())
            except httpx.ConnectError as error:
                last_error = error
            except (httpx.HTTPError, ValueError, TimeoutError) as error:
                raise EngineUnavailable(str(error) or type(error).__name__) from error
        if last_error is not None:
            raise EngineDown(str(last_error))
        raise EngineUnavailable("no engine answered in time")
    finally:
        for client in clients:
            await client.aclose()


@dataclass
class Seen:
    """What the engine received: method, path with query, content type, body."""

    requests: list[tuple[str, str, str, dict[str, str], bytes]] = field(default_factory=list)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def engine_at() -> AsyncIterator[Callable[[Handler], Awaitable[tuple[str, Seen]]]]:
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> tuple[str, Seen]:
        seen = Seen()

        async def endpoint(request: web.Request) -> web.StreamResponse:
            body = await request.read()
            seen.requests.append(
                (request.method, request.path, request.content_type, dict(request.query), body)
            )
            return await handler(request)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", endpoint)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        return f"http://127.0.0.1:{port}", seen

    yield start
    for runner in runners:
        await runner.cleanup()


async def answer(_: web.Request) -> web.StreamResponse:
    return web.json_response(ANSWER)


async def server_error(_: web.Request) -> web.StreamResponse:
    return web.json_response({"error": "boom"}, status=500)


async def not_found(_: web.Request) -> web.StreamResponse:
    return web.Response(status=404, text="no")


async def redirect(_: web.Request) -> web.StreamResponse:
    return web.Response(status=302, headers={"Location": "/elsewhere"})


async def not_json(_: web.Request) -> web.StreamResponse:
    return web.Response(status=200, body=b"<html>proxy error</html>", content_type="text/html")


async def bad_utf8(_: web.Request) -> web.StreamResponse:
    return web.Response(status=200, body=b'{"messages": ["\xff"]}', content_type="application/json")


async def a_list(_: web.Request) -> web.StreamResponse:
    return web.json_response([1, 2])


async def slow(_: web.Request) -> web.StreamResponse:
    await asyncio.sleep(1.0)
    return web.json_response(ANSWER)


def outcome(result: EngineTurn | BaseException) -> object:
    return type(result) if isinstance(result, BaseException) else result


async def both(urls: list[str], timeout: float = 2.0, token: str | None = TOKEN) -> tuple[object, object]:
    """(aiohttp's outcome, httpx's outcome): the turn, or the type of the error."""
    engine = RasaEngine(urls, timeout, token)
    try:
        try:
            new: EngineTurn | BaseException = await engine.send("c1", "hello “you” 👋", "web")
        except EngineUnavailable as error:
            new = error
    finally:
        await engine.aclose()
    try:
        old: EngineTurn | BaseException = await httpx_send(urls, timeout, token, "c1", "hello “you” 👋")
    except EngineUnavailable as error:
        old = error
    return outcome(new), outcome(old)


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (answer, parse_turn(ANSWER)),
        (server_error, EngineUnavailable),
        (not_found, EngineUnavailable),
        (redirect, EngineUnavailable),
        (not_json, EngineUnavailable),
        (bad_utf8, EngineUnavailable),
        (a_list, EngineUnavailable),
    ],
)
async def test_each_answer_gives_what_httpx_gave(engine_at, handler: Handler, expected: object) -> None:
    url, seen = await engine_at(handler)
    new, old = await both([url])
    assert new == old == expected
    [sent_new, sent_old, *_] = seen.requests
    assert sent_new == sent_old  # the same request: path, query (the token), JSON body
    method, path, content_type, query, body = sent_new
    assert (method, path, content_type, query) == ("POST", WEBHOOK, "application/json", {"token": TOKEN})
    assert body == '{"sender":"c1","message":"hello “you” 👋","channel":"web"}'.encode()


async def test_no_token_sends_no_query(engine_at) -> None:
    url, seen = await engine_at(answer)
    assert await both([url + "/"], token=None) == (parse_turn(ANSWER), parse_turn(ANSWER))
    assert [request[3] for request in seen.requests] == [{}, {}]
    assert [request[1] for request in seen.requests] == [WEBHOOK, WEBHOOK]


async def test_a_slow_engine_is_unavailable_at_the_deadline(engine_at) -> None:
    url, _ = await engine_at(slow)
    started = time.monotonic()
    assert await both([url], timeout=0.2) == (EngineUnavailable, EngineUnavailable)
    assert time.monotonic() - started < 1.9  # neither waited for the answer


async def test_a_replica_that_refuses_is_skipped_and_all_refusing_is_down(engine_at) -> None:
    url, seen = await engine_at(answer)
    closed = f"http://127.0.0.1:{free_port()}"
    assert await both([closed, url]) == (parse_turn(ANSWER), parse_turn(ANSWER))
    assert len(seen.requests) == 2
    assert await both([closed, f"http://127.0.0.1:{free_port()}"]) == (EngineDown, EngineDown)


async def test_connections_are_kept_between_turns(engine_at) -> None:
    url, seen = await engine_at(answer)
    engine = RasaEngine(url, 2.0, TOKEN)
    peers = set()
    try:
        for _ in range(5):
            assert await engine.send("c1", "hi", "web") == parse_turn(ANSWER)
        webhook = engine._webhooks[0]
        connector = webhook.session().connector
        assert connector is not None
        peers = {key for key in connector._conns}  # idle connections kept for the next turn
    finally:
        await engine.aclose()
    assert len(seen.requests) == 5
    assert len(peers) == 1
