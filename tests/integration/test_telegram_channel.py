"""The Telegram channel's lifecycle against the fake Bot API: it waits for Telegram, never blocks
the gateway, reports a rejected token without printing it, and sets the webhook with its secret.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH, webhook_secret
from bot.gateway.app import build_conversations
from bot.gateway.engine import RasaEngine
from bot.gateway.readiness import EngineReadiness, always_ready
from bot.local import load_local
from bot.settings import Settings
from tests.fakes.telegram_api import FakeBotApi, TelegramUser, free_port

TOKEN = "777111:TEST-lifecycle-token"


def settings_for(tmp_path: Path, base_url: str, **more: str) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}",
        pseudonym_secret="lifecycle-secret",
        telegram_bot_token=TOKEN,
        telegram_api_base_url=base_url,
        **more,  # type: ignore[arg-type]
    )


def channel_for(settings: Settings, readiness: EngineReadiness | None = None) -> TelegramChannel:
    """The channel, with an engine taken to be up unless the test says how ready it is."""
    engine = RasaEngine(settings.engine_urls, 1.0)
    local = load_local(settings.local_file)
    return TelegramChannel(
        settings, build_conversations(settings, engine, local, readiness or always_ready())
    )


class Switch:
    """The engine's readiness check, turned on by the test (the gateway asks it every 50 ms)."""

    def __init__(self) -> None:
        self.up = False

    async def __call__(self) -> bool:
        return self.up

    def readiness(self) -> EngineReadiness:
        return EngineReadiness(self, deadline_seconds=3600, fresh_seconds=0, pause_seconds=0.05)


async def until(condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    api = FakeBotApi(TOKEN)
    yield api
    api.stop()


async def test_telegram_down_at_start_does_not_block_and_polling_begins_when_it_is_back(
    tmp_path: Path, fake: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    channel = channel_for(settings_for(tmp_path, f"http://127.0.0.1:{port}/bot"))
    assert channel.routes == []  # polling opens no route
    with caplog.at_level(logging.INFO):
        await asyncio.wait_for(channel.start(), 1)  # returns at once: the gateway goes on starting
        await asyncio.sleep(0.3)
        assert not channel.ready
        fake.start(port)
        await until(lambda: channel.ready)
        await until(lambda: "setMyCommands" in {c.method for c in fake.snapshot()})
        await channel.stop()
    methods = [c.method for c in fake.snapshot()]
    assert methods.index("getMe") < methods.index("deleteWebhook") < methods.index("getUpdates")
    assert "Could not connect with Telegram (NetworkError)" in caplog.text
    assert TOKEN.partition(":")[2] not in caplog.text


async def test_a_rejected_token_is_reported_without_printing_it(
    tmp_path: Path, fake: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    fake.token = "777111:another-token"  # Telegram does not know ours: 401
    fake.start()
    channel = channel_for(settings_for(tmp_path, fake.base_url))
    with caplog.at_level(logging.INFO):
        await channel.start()
        await until(lambda: "TELEGRAM_BOT_TOKEN" in caplog.text)
        await channel.stop()
    assert not channel.ready
    assert "check it with @BotFather" in caplog.text
    assert TOKEN.partition(":")[2] not in caplog.text


async def test_webhook_mode_sets_the_webhook_with_its_secret_and_leaves_it_on_stop(
    tmp_path: Path, fake: FakeBotApi
) -> None:
    fake.start()
    url = f"https://bot.example.org{WEBHOOK_PATH}"
    channel = channel_for(settings_for(tmp_path, fake.base_url, telegram_webhook_url=url))
    assert [route.path for route in channel.routes] == [WEBHOOK_PATH]  # type: ignore[attr-defined]
    await channel.start()
    await until(lambda: channel.ready)
    await channel.stop()
    [call] = [c for c in fake.snapshot() if c.method == "setWebhook"]
    assert call.params["url"] == url
    assert call.params["secret_token"] == webhook_secret(TOKEN, "lifecycle-secret")
    assert call.params["allowed_updates"] == ["message", "callback_query"]
    # Other replicas may still be serving it: stopping one gateway must not switch the webhook off.
    assert "deleteWebhook" not in {c.method for c in fake.snapshot()}
    assert "getUpdates" not in {c.method for c in fake.snapshot()}


async def test_polling_takes_no_update_until_the_engine_can_answer(
    tmp_path: Path, fake: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    fake.start()
    user = TelegramUser(4242)
    fake.queue(fake.voice(user))  # sent while the bot was stopped (answered without the engine)
    engine = Switch()
    channel = channel_for(settings_for(tmp_path, fake.base_url), engine.readiness())
    with caplog.at_level(logging.INFO):
        await channel.start()
        await until(lambda: "Waiting for the engine before taking Telegram messages" in caplog.text)
        methods = {c.method for c in fake.snapshot()}
        assert "setMyCommands" in methods and "getUpdates" not in methods and not channel.ready
        engine.up = True
        await until(lambda: channel.ready)
        await until(lambda: bool(fake.sent(0, user.id)))
        await channel.stop()
    assert "The engine answers: taking Telegram messages" in caplog.text


async def test_a_webhook_update_gets_503_while_the_engine_cannot_answer_then_is_taken(
    tmp_path: Path, fake: FakeBotApi
) -> None:
    fake.start()
    engine = Switch()
    url = f"https://bot.example.org{WEBHOOK_PATH}"
    channel = channel_for(settings_for(tmp_path, fake.base_url, telegram_webhook_url=url), engine.readiness())
    await channel.start()
    await until(lambda: channel.ready)
    headers = {SECRET_HEADER: webhook_secret(TOKEN, "lifecycle-secret")}
    user = TelegramUser(4242)
    update = fake.voice(user)  # answered without the engine: this test is about when it is taken
    transport = httpx.ASGITransport(app=Starlette(routes=channel.routes))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as gateway:
        held = await gateway.post(WEBHOOK_PATH, json=update, headers=headers)
        engine.up = True
        taken = await gateway.post(WEBHOOK_PATH, json=update, headers=headers)
        again = await gateway.post(WEBHOOK_PATH, json=update, headers=headers)  # a retry
    await until(lambda: bool(fake.sent(0, user.id)))
    await channel.stop()
    assert (held.status_code, taken.status_code, again.status_code) == (503, 200, 200)
    assert len(fake.sent(0, user.id)) == 1  # answered once
