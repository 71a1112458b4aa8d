"""The gateway on its own: a resident is never left in silence, even with the engine down."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
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
    with pytest.raises(RuntimeError, match="PSEUDONYM_SECRET and SESSION_SECRET"):
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
            outbound_keys=key,
        )
    )
