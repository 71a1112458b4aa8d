"""The real bot for end-to-end tests: trained engine, action server and gateway on free ports.

Started once per test session against its own database; `make test` has trained the model.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.local import load_local
from tests.e2e.browser import AXE_CORE_JS, CHROMIUM, CHROMIUM_ARGS

try:
    from playwright.sync_api import Browser, sync_playwright
except ImportError:  # the `browser` fixture says so
    sync_playwright = None
from bot.privacy.notice import first_contact_notice
from bot.settings import ROOT, Settings, get_settings
from bot.stack import Ports, Stack, current_model

E2E_SECRET = "e2e-test-secret"
E2E_TWILIO_TOKEN = "e2e-twilio-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def e2e_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("e2e")
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'e2e.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{folder / 'tracker.db'}",
        "PSEUDONYM_SECRET": E2E_SECRET,
        "POSTCODE_AREAS": "LS",
        # The SMS webhook is on, signed against the request URL (no PUBLIC_BASE_URL here, so
        # the gateway must be told that only this machine calls it).
        "TWILIO_AUTH_TOKEN": E2E_TWILIO_TOKEN,
        # Every test sends from 127.0.0.1 (the fuzz test about 50 turns a second): the web chat's
        # per-address limit is for real addresses. tests/e2e/test_flood.py tests it on its own stack.
        "ADDRESS_TURNS_PER_MINUTE": "0",
        "LOCAL_WEBHOOKS": "true",
        # What staff teach in the admin goes here, not into the checkout's content/taught.yml.
        "TAUGHT_FILE_PATH": str(folder / "taught.yml"),
    }
    setup_database(env)
    return env


def add_staff_account(env: dict[str, str], email: str, password: str, role: str) -> str:
    """A staff login made as staff make theirs (`python -m bot add-staff`), for browser tests."""
    subprocess.run(
        [sys.executable, "-m", "bot", "add-staff", email, "--role", role],
        input=password + "\n",
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    return email


def setup_database(env: dict[str, str]) -> None:
    """Migrate, load the LS postcodes and seed the samples, as `make setup` does."""
    subprocess.run([sys.executable, "-m", "bot", "setup-db"], cwd=ROOT, env={**os.environ, **env}, check=True)


@contextmanager
def running_stack(env: dict[str, str], log_dir: Path, *, engines: int = 1) -> Iterator[Stack]:
    """The real engine(s), action server and gateway on free ports, stopped on exit."""
    running = Stack(
        model=current_model(get_settings().model_dir),
        ports=Ports(
            engine=free_port(),
            more_engines=tuple(free_port() for _ in range(engines - 1)),
            actions=free_port(),
            gateway=free_port(),
        ),
        env=env,
        log_dir=log_dir,
    )
    running.start()
    try:
        running.wait_until_healthy()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def stack(e2e_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(e2e_env, tmp_path_factory.mktemp("e2e-logs")) as running:
        yield running


def in_process_gateway(stack: Stack, env: dict[str, str], **extra: Any) -> Settings:
    """Settings for a second gateway run in the test's own process (a TestClient), sharing the
    stack's engine, action server and databases: how the SMS, voice and loop tests reach the bot
    through a channel the stack's gateway does not serve. A shared 2-core machine can be slow and
    what these tests check is the conversation, so the engine's deadline is long unless `extra`
    says otherwise."""
    values: dict[str, Any] = {
        "engine_url": stack.ports.engine_url,
        "action_server_url": stack.ports.action_server_url,
        "database_url": env["DATABASE_URL"],
        "tracker_store_url": env["TRACKER_STORE_URL"],
        "pseudonym_secret": env["PSEUDONYM_SECRET"],
        "session_secret": "e2e-session-secret",
        "engine_auth_token": stack.engine_auth_token,
        "engine_timeout_seconds": 15,
    }
    return Settings(**(values | extra))


@pytest.fixture(scope="session")
def gateway_url(stack: Stack) -> str:
    return stack.ports.gateway_url


PRIVACY_NOTICE = first_contact_notice(load_local(get_settings().local_file), get_settings().retention_days)


@dataclass
class Resident:
    """One person chatting through the gateway's REST webhook, as the web chat does.

    `say` leaves out the privacy notice of a first message (tests/e2e/test_privacy.py is about
    it), so a test of what the bot answers does not depend on whether it spoke first.
    """

    url: str
    sender: str

    def say(self, text: str, *, referral: str | None = None, notice: bool = False) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"sender": self.sender, "message": text}
        if referral is not None:
            body["referral"] = referral
        response = httpx.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=30)
        response.raise_for_status()
        messages = response.json()
        assert all(m["recipient_id"] == self.sender for m in messages)
        return messages if notice else [m for m in messages if m.get("text") != PRIVACY_NOTICE]

    @staticmethod
    def text(messages: list[dict[str, Any]]) -> str:
        return "\n".join(m.get("text", "") for m in messages)

    @staticmethod
    def buttons(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
        return [b for m in messages for b in m.get("buttons", [])]


@pytest.fixture
def resident(gateway_url: str) -> Resident:
    return Resident(gateway_url, f"web-{uuid.uuid4().hex}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for a module of browser tests; a missing browser or package fails, never skips."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is not installed: apt-get install chromium (`make system-packages`)")
    if sync_playwright is None:
        pytest.fail("the playwright package is not installed")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_CORE_JS.is_file():
        pytest.fail(f"axe-core not found at {AXE_CORE_JS}: run `npm ci` or set AXE_CORE_JS")
    return AXE_CORE_JS.read_text(encoding="utf-8")
