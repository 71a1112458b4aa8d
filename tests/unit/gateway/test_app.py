"""The gateway on its own: a resident is never left in silence, even with the engine down."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.gateway.app import create_app
from bot.local import load_local
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
    assert response.json()["checks"] == {"engine": False, "action_server": False, "database": True}


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
    create_app(
        Settings(
            public_base_url="https://bot.example.org",
            pseudonym_secret="a",
            session_secret="b",
            engine_auth_token="c",
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
    )
    page = TestClient(create_app(settings)).get("/")
    assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_a_local_gateway_sends_no_hsts(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/").headers
