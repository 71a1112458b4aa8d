"""A gateway with the Telegram channel on, against the fake Bot API, beside the shared real stack.

Each mode gets its own gateway process (engine and action server are the stack's) and its own
fake Bot API. The gateway's output goes to a file, with the root logger at INFO and httpx and
python-telegram-bot at DEBUG, the most a deployment could ask for: the channel must still keep
the token and residents' ids out of it.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.settings import ROOT
from bot.stack import Stack
from tests.e2e.conftest import free_port
from tests.fakes.telegram_api import FakeBotApi, TelegramUser

TOKEN = f"{random.randint(100_000, 999_999)}:TEST-{uuid.uuid4().hex}"

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "out": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
    },
    "root": {"level": "INFO", "handlers": ["out"]},
    "loggers": {
        "httpx": {"level": "DEBUG"},
        "httpcore": {"level": "DEBUG"},
        "telegram": {"level": "DEBUG"},
        "uvicorn.access": {"level": "INFO"},
        "sqlalchemy": {"level": "WARNING"},
    },
}


@dataclass
class TelegramGateway:
    mode: str
    fake: FakeBotApi
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    users: list[TelegramUser] = field(default_factory=list)

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/telegram"

    def new_user(self) -> TelegramUser:
        """A resident with a Telegram id unlike anything else in the logs (10 digits)."""
        user = TelegramUser(random.randint(9_100_000_000, 9_999_999_999))
        self.users.append(user)
        return user

    def send(self, *updates: dict[str, Any]) -> None:
        """As Telegram would: all at once for getUpdates, or one webhook call each."""
        if self.mode == "polling":
            self.fake.queue(*updates)
            return
        for update in updates:
            response = self.fake.deliver(update)
            assert response.status_code == 200, response.status_code

    def start(
        self,
        stack: Stack,
        env: dict[str, str],
        *,
        engine_url: str | None = None,
        connected: set[str] | None = None,
    ) -> None:
        """`engine_url`: another way to the engine (one the test can cut); `connected`: the Bot
        API calls that mean the channel is up (default: it polls, or has set its webhook)."""
        config = self.log.with_suffix(".logging.json")
        config.write_text(json.dumps(LOG_CONFIG))
        variables = {
            **os.environ,
            **env,
            "PYTHONPATH": str(ROOT),
            "ENGINE_URL": engine_url or stack.ports.engine_url,
            "ACTION_SERVER_URL": stack.ports.action_server_url,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": self.fake.base_url,
            "TELEGRAM_BOT_USERNAME": self.fake.username,
        }
        variables.pop("REDIS_URL", None)
        if self.mode == "webhook":
            variables["TELEGRAM_WEBHOOK_URL"] = self.webhook_url
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "bot.gateway.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-config",
            str(config),
        ]
        output = self.log.open("ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=variables, stdout=output, stderr=subprocess.STDOUT
        )
        self._wait_until_connected(connected)

    def _wait_until_connected(self, connected: set[str] | None = None, timeout: float = 60) -> None:
        """Until the channel polls Telegram, or has set its webhook, and has set its commands."""
        deadline = time.monotonic() + timeout
        ready = connected or {"getUpdates" if self.mode == "polling" else "setWebhook"}
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the gateway exited: {self.log.read_text()[-3000:]}")
            methods = {call.method for call in self.fake.snapshot()}
            if {*ready, "setMyCommands"} <= methods:
                return
            time.sleep(0.1)
        raise AssertionError(f"the Telegram channel did not connect: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gateway(mode: str, stack: Stack, env: dict[str, str], log_dir: Path) -> TelegramGateway:
    fake = FakeBotApi(TOKEN).start()
    gateway = TelegramGateway(mode, fake, free_port(), log_dir / f"gateway-telegram-{mode}.log")
    try:
        gateway.start(stack, env)
    except BaseException:
        gateway.stop()
        fake.stop()
        raise
    return gateway
