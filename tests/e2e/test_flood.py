"""One sender floods the web chat while ten residents chat: the flood costs only its sender.

A stack of its own with the default flood limits (tests/e2e/conftest.py's shared stack turns the
per-address limit off for its load). 500 messages from one sender are sent at once from
127.0.0.1 while ten residents, each from an address of its own (127.0.0.2-11, as residents on
different networks), greet, ask a question and find help. Timing is not asserted here (the
latencies are bench/flood.py's job, figures in docs/performance.md): only what each one hears,
and how many of the flooder's messages the engine saw (its tracker).
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bot.messages import SLOW_DOWN
from bot.pseudonym import pseudonymise
from bot.settings import Settings
from bot.stack import Stack
from tests.e2e.conftest import PRIVACY_NOTICE, running_stack, setup_database

FLOOD = 500
RESIDENTS = 10
SECRET = "flood-secret"
APOLOGY = "Sorry, I'm having a problem"
DEFAULTS = Settings(pseudonym_secret=SECRET)
# What each resident says, and words its answer must have.
SCRIPT = [
    ("hello", "Get Online"),
    ("how do I get free mobile data", "data"),
    ("find help near LS9 7BG", "Compton Centre"),
]
PATH = "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def flood_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("flood")
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'flood.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{folder / 'tracker.db'}",
        "PSEUDONYM_SECRET": SECRET,
        "POSTCODE_AREAS": "LS",
        # The engine's deadline (2.5 s) is a speed target, and speed is bench/flood.py's to
        # measure: on a machine shared by many test runs a turn can pass 2.5 s with no flood at
        # all. Here an apology must mean that the engine was not given the turn, not that the
        # machine was busy. 8 s still fails a flood that holds residents' turns as long as the one
        # the issue measured (7.6 s waits, then apologies).
        "ENGINE_TIMEOUT_SECONDS": "8",
    }
    setup_database(env)
    with running_stack(env, tmp_path_factory.mktemp("flood-logs")) as stack:
        yield stack, env


def client(url: str, address: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(
        local_address=address, limits=httpx.Limits(max_connections=FLOOD, max_keepalive_connections=FLOOD)
    )
    return httpx.AsyncClient(base_url=url, transport=transport, timeout=60)


def texts(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [m.get("text", "") for m in response.json() if m.get("text") != PRIVACY_NOTICE]


async def resident(url: str, number: int, started: asyncio.Event) -> list[tuple[str, list[str]]]:
    await started.wait()
    heard = []
    async with client(url, f"127.0.0.{number + 2}") as web:
        sender = f"resident-{number}-{uuid.uuid4().hex[:8]}"
        for message, _ in SCRIPT:
            response = await web.post(PATH, json={"sender": sender, "message": message})
            heard.append((message, texts(response)))
    return heard


async def flood_and_chat(url: str, flooder: str) -> tuple[list[list[str]], list[list[tuple[str, list[str]]]]]:
    # One resident's chat first, so that what a cold stack does once (the first search, the
    # first form) is not what the flood is blamed for.
    warm = asyncio.Event()
    warm.set()
    await resident(url, RESIDENTS, warm)
    started = asyncio.Event()
    async with client(url, "127.0.0.1") as web:
        flood = [
            asyncio.create_task(web.post(PATH, json={"sender": flooder, "message": f"hello {n}"}))
            for n in range(FLOOD)
        ]
        chats = [asyncio.create_task(resident(url, n, started)) for n in range(RESIDENTS)]
        await asyncio.sleep(0)
        started.set()
        flooded = [texts(response) for response in await asyncio.gather(*flood)]
        heard = await asyncio.gather(*chats)
    return flooded, heard


def user_turns(tracker_store_url: str, conversation: str) -> int:
    engine = sa.create_engine(tracker_store_url)
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :sender AND type_name = 'user'")
            return int(connection.execute(query, {"sender": conversation}).scalar_one())
    finally:
        engine.dispose()


def test_a_flood_from_one_sender_costs_only_that_sender(flood_stack: tuple[Stack, dict[str, Any]]) -> None:
    stack, env = flood_stack
    flooder = f"flooder-{uuid.uuid4().hex[:8]}"
    began = time.monotonic()
    flooded, heard = asyncio.run(flood_and_chat(stack.ports.gateway_url, flooder))
    seconds = time.monotonic() - began

    for conversation in heard:
        assert [message for message, _ in conversation] == [message for message, _ in SCRIPT]
        for (message, replies), (_, expected) in zip(conversation, SCRIPT, strict=True):
            said = "\n".join(replies)
            assert APOLOGY not in said, f"{message!r} got an apology during the flood"
            assert SLOW_DOWN not in said, f"{message!r} was told to slow down for someone else's flood"
            assert expected in said, f"{message!r} got {said!r}"

    slowed = sum(replies == [SLOW_DOWN] for replies in flooded)
    answered = [replies for replies in flooded if replies != [SLOW_DOWN]]
    seen = user_turns(env["TRACKER_STORE_URL"], pseudonymise(SECRET, "web", flooder))
    # The engine sees at most the sender's burst, plus its steady rate over the flood's length.
    most = DEFAULTS.sender_turn_burst + math.ceil(seconds * DEFAULTS.sender_turns_per_minute / 60) + 1
    assert seen <= most, f"the engine saw {seen} of the flooder's turns (at most {most})"
    assert len(answered) <= most and slowed == FLOOD - len(answered)
    assert slowed >= FLOOD - most, "the flooder was told to slow down"
    assert all(APOLOGY not in "\n".join(replies) for replies in answered), "its own turns wait, not time out"
