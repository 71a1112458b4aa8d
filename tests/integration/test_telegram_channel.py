"""The Telegram channel's lifecycle against the fake Bot API: it waits for Telegram, never blocks
the gateway, reports a rejected token without printing it, and sets the webhook with its secret.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.webhook import WEBHOOK_PATH, webhook_secret
from bot.gateway.app import build_conversations
from bot.gateway.engine import RasaEngine
from bot.local import load_local
from bot.settings import Settings
from tests.fakes.telegram_api import FakeBotApi, free_port

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


def channel_for(settings: Settings) -> TelegramChannel:
    engine = RasaEngine(settings.engine_urls, 1.0)
    return TelegramChannel(settings, build_conversations(settings, engine, load_local(settings.local_file)))


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
