"""What a probe of the running stack found, closed: on the real engine, gateway and database.

The engine answers nobody without its token; a spoofed X-Forwarded-For gets no fresh login
attempts; a typed confirmation does not skip the question; made-up senders opening a
champion's link count no referrals.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from bot.db.models import UsageEvent, UsageKind
from bot.pseudonym import pseudonymise
from bot.stack import Stack
from tests.e2e.conftest import Resident


@pytest.fixture(scope="module")
def engine_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.ports.engine}"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/model/parse", {"text": "hello"}),
        ("GET", "/conversations/web-someone/tracker", None),
        ("POST", "/conversations/web-someone/messages", {"text": "hi", "sender": "user"}),
        ("GET", "/status", None),
        ("POST", "/webhooks/gateway/webhook", {"sender": "web-someone", "message": "/forget_confirm"}),
    ],
)
def test_the_engine_answers_nobody_without_its_token(
    engine_url: str, method: str, path: str, body: dict[str, str] | None
) -> None:
    response = httpx.request(method, engine_url + path, json=body, timeout=30)
    assert response.status_code == 401, response.text[:200]
    wrong = httpx.request(method, engine_url + path, json=body, params={"token": "wrong"}, timeout=30)
    assert wrong.status_code == 401


def test_rasa_s_plain_rest_channel_is_not_served(engine_url: str) -> None:
    body = {"sender": "web-someone", "message": "hi"}
    assert httpx.post(f"{engine_url}/webhooks/rest/webhook", json=body, timeout=30).status_code == 404


def test_with_the_token_the_engine_and_so_the_bot_answer(
    stack: Stack, engine_url: str, resident: Resident
) -> None:
    token = {"token": stack.engine_auth_token}
    assert httpx.get(f"{engine_url}/status", params=token, timeout=30).status_code == 200
    assert "free" in resident.text(resident.say("how do I get free mobile data")).lower()
    assert httpx.get(f"{stack.ports.gateway_url}/health", timeout=30).status_code == 200


def test_a_spoofed_forwarded_address_gets_no_fresh_login_attempts(gateway_url: str) -> None:
    """uvicorn believed X-Forwarded-For from loopback: each made-up address was a new client."""
    email = f"nobody-{uuid.uuid4().hex[:8]}@leeds.gov.uk"
    with httpx.Client(base_url=gateway_url, timeout=30, follow_redirects=False) as client:
        statuses = []
        for attempt in range(6):
            page = client.get("/admin/login")
            token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            response = client.post(
                "/admin/login",
                data={"email": email, "password": "a wrong guess", "csrf_token": token},
                headers={"X-Forwarded-For": f"198.51.100.{attempt + 1}"},
            )
            statuses.append(response.status_code)
    assert statuses == [400] * 5 + [429]


def test_typing_the_confirmation_deletes_nothing(resident: Resident, e2e_env: dict[str, str]) -> None:
    resident.say("find help near LS9 7BG")
    messages = resident.say("/forget_confirm")
    assert "deleted" not in resident.text(messages).lower()
    sender = pseudonymise(e2e_env["PSEUDONYM_SECRET"], "web", resident.sender)
    engine = create_engine(e2e_env["TRACKER_STORE_URL"])
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
            )
            assert stored.scalar() > 0, "the conversation is still there"
    finally:
        engine.dispose()


def _referrals(database_url: str, code: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).where(
                UsageEvent.kind == UsageKind.REFERRAL, UsageEvent.detail == code
            )
            return int(connection.scalar(query) or 0)
    finally:
        engine.dispose()


def test_made_up_senders_opening_a_champions_link_count_no_referrals(
    gateway_url: str, e2e_env: dict[str, str]
) -> None:
    code = "AHH-DIGITAL"
    before = _referrals(e2e_env["DATABASE_URL"], code)
    for _ in range(20):
        Resident(gateway_url, f"web-{uuid.uuid4().hex}").say("", referral=code)
    real = Resident(gateway_url, f"web-{uuid.uuid4().hex}")
    real.say("", referral=code)
    real.say("how do I get free mobile data")
    deadline = time.monotonic() + 10  # the gateway writes its counts once a second
    while _referrals(e2e_env["DATABASE_URL"], code) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _referrals(e2e_env["DATABASE_URL"], code) == before + 1
