"""The webhook route: the secret is checked before anything is read; bad bodies get clear answers."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from bot.channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH, UpdateRejected, WebhookEndpoint

SECRET = "s3cret_value-1"


def client(ready: bool = True) -> tuple[TestClient, list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    async def receive(update: dict[str, Any]) -> bool:
        if "update_id" not in update:
            raise UpdateRejected("no update_id")
        received.append(update)
        return ready

    endpoint = WebhookEndpoint(SECRET, receive)
    app = Starlette(routes=[Route(WEBHOOK_PATH, endpoint.handle, methods=["POST"])])
    return TestClient(app), received


def test_the_right_secret_hands_the_update_over() -> None:
    http, received = client()
    response = http.post(WEBHOOK_PATH, json={"update_id": 1}, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200 and received == [{"update_id": 1}]


def test_a_wrong_or_missing_secret_is_403_and_nothing_is_read() -> None:
    http, received = client()
    assert http.post(WEBHOOK_PATH, json={"update_id": 1}, headers={SECRET_HEADER: "nope"}).status_code == 403
    assert http.post(WEBHOOK_PATH, json={"update_id": 1}).status_code == 403
    assert (
        http.post(WEBHOOK_PATH, json={"update_id": 1}, headers={SECRET_HEADER: SECRET + "x"}).status_code
        == 403
    )
    assert received == []


def test_bodies_that_are_not_updates_are_400_and_huge_ones_413() -> None:
    http, received = client()
    headers = {SECRET_HEADER: SECRET}
    assert http.post(WEBHOOK_PATH, content=b"not json", headers=headers).status_code == 400
    assert http.post(WEBHOOK_PATH, json=[1, 2], headers=headers).status_code == 400
    assert http.post(WEBHOOK_PATH, json={"message": {}}, headers=headers).status_code == 400
    assert http.post(WEBHOOK_PATH, content=b"x" * 1_000_001, headers=headers).status_code == 413
    assert received == []


def test_before_the_bot_has_started_telegram_is_asked_to_try_again() -> None:
    http, _ = client(ready=False)
    assert http.post(WEBHOOK_PATH, json={"update_id": 1}, headers={SECRET_HEADER: SECRET}).status_code == 503
