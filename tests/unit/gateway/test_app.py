"""The gateway on its own: a resident is never left in silence, even with the engine down."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.gateway import app as gateway_app
from bot.gateway.app import create_app
from bot.gateway.engine import EngineTurn
from bot.local import load_local
from bot.messages import SLOW_DOWN
from bot.settings import Settings


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    dead = f"http://127.0.0.1:{closed_port()}"
    settings = Settings(
        engine_url=dead,
        action_server_url=dead,
        database_url=f"sqlite:///{tmp_path / 'gateway.db'}",
        pseudonym_secret="test",
    )
    return TestClient(create_app(settings))


def test_engine_down_gets_an_apology_with_the_helpline(client: TestClient) -> None:
    response = client.post("/webhooks/rest/webhook", json={"sender": "abc", "message": "hello"})
    assert response.status_code == 200
    [message] = response.json()
    helpline = load_local(Settings().local_file).helpline
    assert message["recipient_id"] == "abc"
    assert helpline.phone in message["text"] and "Sorry" in message["text"]


def test_health_says_which_part_is_down(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "engine": False,
        "action_server": False,
        "database": True,
        "schema": False,  # a database file never set up: see tests/integration/test_empty_database.py
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"sender": "a", "message": ""}, "Please type a message"),
        ({"sender": "a", "message": "x" * 5000}, "too long"),
    ],
)
def test_empty_and_huge_messages_get_a_clear_answer(client: TestClient, body: dict, expected: str) -> None:
    [message] = client.post("/webhooks/rest/webhook", json=body).json()
    assert expected in message["text"]
    assert message["buttons"], "never a dead end"


def test_pages_carry_security_headers(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_the_web_chat_gives_the_configured_helpline(client: TestClient) -> None:
    helpline = load_local(Settings().local_file).helpline
    page = client.get("/").text
    assert f'data-help-phone="{helpline.phone}"' in page and "{{" not in page


def test_a_public_deployment_must_set_its_own_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PSEUDONYM_SECRET", raising=False)
    monkeypatch.delenv("SESSION_SECRET", raising=False)
    monkeypatch.delenv("ENGINE_AUTH_TOKEN", raising=False)
    with pytest.raises(RuntimeError, match="PSEUDONYM_SECRET and SESSION_SECRET and ENGINE_AUTH_TOKEN"):
        create_app(Settings(public_base_url="https://bot.example.org"))
    monkeypatch.delenv("OUTBOUND_KEYS", raising=False)
    with pytest.raises(RuntimeError, match="OUTBOUND_KEYS"):
        create_app(
            Settings(public_base_url="https://bot.example.org", pseudonym_secret="a", session_secret="b")
        )
    key = Fernet.generate_key().decode()
    create_app(
        Settings(
            public_base_url="https://bot.example.org",
            pseudonym_secret="a",
            session_secret="b",
            engine_auth_token="c",
            outbound_keys=key,
        )
    )


def test_a_public_deployment_must_say_where_the_providers_call_it(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'gateway.db'}"
    with pytest.raises(RuntimeError, match="TWILIO_AUTH_TOKEN is set, so set PUBLIC_BASE_URL"):
        create_app(Settings(database_url=database, twilio_auth_token="t"))
    with pytest.raises(RuntimeError, match="TELEGRAM_WEBHOOK_URL is public"):
        create_app(
            Settings(
                database_url=database,
                telegram_bot_token="1:x",
                telegram_webhook_url="https://bot.example.org/webhooks/telegram",
            )
        )
    create_app(Settings(database_url=database, twilio_auth_token="t", local_webhooks=True))
    create_app(
        Settings(
            database_url=database,
            telegram_bot_token="1:x",
            telegram_webhook_url="http://127.0.0.1:8000/webhooks/telegram",
        )
    )


def test_a_public_deployment_sends_hsts(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'gateway.db'}",
        public_base_url="https://bot.example.org",
        pseudonym_secret="a",
        session_secret="b",
        engine_auth_token="c",
        outbound_keys=Fernet.generate_key().decode(),
    )
    page = TestClient(create_app(settings)).get("/")
    assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_a_local_gateway_sends_no_hsts(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/").headers


# --- bad bodies: a clear 4xx, never a 500 or an apology ----------------------------------------
def test_a_body_over_the_limit_is_refused_with_413(client: TestClient) -> None:
    big = b'{"sender": "a", "message": "' + b"x" * 1_000_000 + b'"}'
    response = client.post(
        "/webhooks/rest/webhook", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_a_chunked_body_over_the_limit_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: only reading finds the size
        yield b'{"sender": "a", "message": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = client.post("/webhooks/rest/webhook", content=chunks())
    assert response.status_code == 413


def test_json_nested_too_deep_is_a_400(client: TestClient) -> None:
    # 100,000 deep is over the size limit (413); 20,000 is under it and far past Python's parser.
    deep = '{"sender": "a", "message": "hi", "x": ' + "[" * 20_000 + "]" * 20_000 + "}"
    response = client.post(
        "/webhooks/rest/webhook", content=deep, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "Send JSON" in response.json()["error"]


def test_a_sender_that_is_not_text_is_a_400(client: TestClient) -> None:
    body = '{"sender": "\\ud800", "message": "hello"}'
    response = client.post(
        "/webhooks/rest/webhook", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


# --- over a fake engine: what reaches it -----------------------------------------------------
@dataclass
class GatedEngine:
    """Answers at once, except a sender's turns wait while `held` holds its id."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    held: set[str] = field(default_factory=set)
    opened: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, sender_id: str, text: str, channel: str) -> EngineTurn:
        self.sent.append((sender_id, text))
        if sender_id in self.held:
            await self.opened.wait()
        return EngineTurn([{"text": f"You said {text}", "buttons": [{"title": "Menu", "payload": "/help"}]}])

    async def ready(self) -> bool:
        return True

    async def aclose(self) -> None:
        pass


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> GatedEngine:
    fake = GatedEngine()
    monkeypatch.setattr(gateway_app, "RasaEngine", lambda urls, timeout, *args: fake)
    return fake


def faked_app(tmp_path: Path, **settings: Any) -> Starlette:
    return create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'gateway.db'}", pseudonym_secret="test", **settings)
    )


def web(app: Starlette, address: str = "10.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")


async def say(client: httpx.AsyncClient, sender: str, text: str) -> list[str]:
    response = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert response.status_code == 200
    return [m.get("text", "") for m in response.json()]


async def test_a_lone_surrogate_is_cleaned_not_an_apology(tmp_path: Path, engine: GatedEngine) -> None:
    body = '{"sender": "abc", "message": "hello \\ud800there"}'
    async with web(faked_app(tmp_path)) as client:
        response = await client.post(
            "/webhooks/rest/webhook", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == 200
    assert engine.sent[-1][1] == "hello there"
    assert not any("Sorry" in m.get("text", "") for m in response.json())


async def test_a_flooding_sender_is_told_to_slow_down_and_others_are_answered(
    tmp_path: Path, engine: GatedEngine
) -> None:
    app = faked_app(tmp_path)
    flooder = app.state.conversations.conversation_id("web", "flooder")
    engine.held.add(flooder)
    async with web(app) as client:
        flood = [asyncio.create_task(say(client, "flooder", f"message {n}")) for n in range(50)]
        while sum(task.done() for task in flood) < 47 or flooder not in [s for s, _ in engine.sent]:
            await asyncio.sleep(0.01)
        assert await say(client, "neighbour", "hello") == ["You said hello"]
        held = [sender for sender, _ in engine.sent].count(flooder)
        assert held == 1, "the two waiting turns wait in the gateway, holding no engine connection"
        engine.opened.set()
        replies = await asyncio.gather(*flood)
    slowed = [r for r in replies if r == [SLOW_DOWN]]
    assert len(slowed) == 47
    assert [sender for sender, _ in engine.sent].count(flooder) == 3, "one running, two waiting"


async def test_many_made_up_senders_from_one_address_meet_its_limit(
    tmp_path: Path, engine: GatedEngine
) -> None:
    app = faked_app(tmp_path, address_turn_burst=5, address_turns_per_minute=1)
    async with web(app, "10.0.0.7") as client:
        replies = [await say(client, f"made-up-{n}", "hi") for n in range(8)]
    async with web(app, "10.0.0.8") as client:
        assert await say(client, "elsewhere", "hi") == ["You said hi"]
    assert [r == [SLOW_DOWN] for r in replies] == [False] * 5 + [True] * 3
    assert len(engine.sent) == 6


async def test_behind_a_trusted_proxy_the_address_limit_is_each_residents_own(
    tmp_path: Path, engine: GatedEngine
) -> None:
    """Through the ingress every request comes from the proxy: the limit must key on the
    resident's address, which only the proxy's X-Forwarded-For can give."""
    app = faked_app(
        tmp_path, address_turn_burst=3, address_turns_per_minute=1, trusted_proxies="10.42.0.0/16"
    )

    async def from_(client: httpx.AsyncClient, sender: str, forwarded: str) -> list[str]:
        response = await client.post(
            "/webhooks/rest/webhook",
            json={"sender": sender, "message": "hi"},
            headers={"X-Forwarded-For": forwarded},
        )
        return [m.get("text", "") for m in response.json()]

    async with web(app, "10.42.0.5") as proxy:
        flood = [await from_(proxy, f"made-up-{n}", "203.0.113.7") for n in range(5)]
        assert await from_(proxy, "neighbour", "203.0.113.8") == ["You said hi"]
    async with web(app, "198.51.100.1") as stranger:  # not our proxy: its header is not believed
        spoofed = [await from_(stranger, f"spoofer-{n}", f"203.0.113.{100 + n}") for n in range(5)]
    assert [r == [SLOW_DOWN] for r in flood] == [False] * 3 + [True] * 2
    assert [r == [SLOW_DOWN] for r in spoofed] == [False] * 3 + [True] * 2


async def test_a_refusal_says_when_to_try_again_in_the_rest_format(
    tmp_path: Path, engine: GatedEngine
) -> None:
    app = faked_app(tmp_path, sender_turn_burst=1, sender_turns_per_minute=2)
    sender = 'Zoë "quotes" 🙂'
    async with web(app) as client:
        await say(client, sender, "hi")
        refused = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "again"})
        again = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "and again"})
    for response in (refused, again):  # the first asks the limiter, the second is answered at once
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == [{"recipient_id": sender, "text": SLOW_DOWN}]
        assert 1 <= int(response.headers["retry-after"]) <= 30
        assert response.headers["x-content-type-options"] == "nosniff"
    assert len(engine.sent) == 1


async def test_security_headers_leave_a_header_the_response_set_itself() -> None:
    from bot.gateway.security import SecurityHeadersMiddleware

    async def page(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"x-frame-options", b"SAMEORIGIN")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=SecurityHeadersMiddleware(page, hsts=True)),
        base_url="http://gateway",
    ) as client:
        response = await client.get("/")
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["strict-transport-security"].startswith("max-age=")
