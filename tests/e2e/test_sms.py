"""Texting the real bot: Twilio's signed webhook in, TwiML out, against the trained engine.

The gateway is built in-process (`create_app`) with Twilio turned on and pointed at the
session's engine and action server, and Starlette's TestClient posts what Twilio would: a form
signed with the auth token for PUBLIC_BASE_URL + path. Every reply must fit 3 SMS segments.
"""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.channels.sms.render import encoding, segments
from bot.db.models import Contact, UsageEvent, UsageKind
from bot.db.session import session_scope
from bot.gateway.app import create_app
from bot.local import load_local
from bot.pseudonym import person_key, pseudonymise
from bot.settings import Settings, get_settings
from bot.stack import Stack
from tests.e2e.conftest import PRIVACY_NOTICE, in_process_gateway

TOKEN = "test-token"
PUBLIC = "https://bot.example.org"
PATH = "/webhooks/sms/twilio"
LOCAL = load_local(get_settings().local_file)
MENU_OPTIONS = "Reply with a number:\n1 Find help near me\n2 Check my confidence\n3 Ask a question"


@pytest.fixture(scope="module")
def settings(stack: Stack, e2e_env: dict[str, str]) -> Settings:
    return in_process_gateway(
        stack,
        e2e_env,
        outbound_keys=Fernet.generate_key().decode(),
        twilio_auth_token=TOKEN,
        public_base_url=PUBLIC,
    )


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:  # the lifespan runs
        yield test_client


@dataclass
class Phone:
    """One resident's phone; each text gets a fresh MessageSid unless a test repeats one."""

    client: TestClient
    number: str

    def post(self, body: str, *, sid: str | None = None, signature: str | None = None) -> httpx.Response:
        fields = {
            "From": self.number,
            "To": "+447700900999",
            "Body": body,
            "MessageSid": sid or f"SM{uuid.uuid4().hex}",
            "NumMedia": "0",
        }
        if signature is None:
            signature = RequestValidator(TOKEN).compute_signature(PUBLIC + PATH, fields)
        return self.client.post(PATH, data=fields, headers={"X-Twilio-Signature": signature})

    def text(self, body: str, *, sid: str | None = None) -> str | None:
        """The reply's text (checked: TwiML, one message, GSM-7, 3 segments at most); None if empty."""
        response = self.post(body, sid=sid)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] in ("text/xml", "application/xml")
        root = ET.fromstring(response.content)
        assert root.tag == "Response"
        messages = list(root)
        if not messages:
            return None
        [message] = messages
        text = message.text or ""
        assert segments(text) <= 3, f"{segments(text)} segments: {text!r}"
        assert encoding(text) == "GSM-7", text
        assert text.strip(), "an empty message"
        return text


def new_number() -> str:
    return "+4477009" + f"{uuid.uuid4().int % 100_000:05d}"


@pytest.fixture
def phone(client: TestClient) -> Phone:
    return Phone(client, new_number())


def without_notice(text: str | None) -> str:
    assert text is not None
    return text.removeprefix(PRIVACY_NOTICE).lstrip("\n")


def conversation(settings: Settings, number: str) -> str:
    return pseudonymise(settings.pseudonym_secret, "sms", number)


def tracker_events(settings: Settings, number: str) -> int:
    engine = sa.create_engine(settings.tracker_store_url)
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :sender")
            return int(connection.execute(query, {"sender": conversation(settings, number)}).scalar_one())
    finally:
        engine.dispose()


def test_find_help_by_text(phone: Phone) -> None:
    first = phone.text("Hello")
    assert first is not None and first.startswith(PRIVACY_NOTICE), "a new number first hears the notice"
    assert first.endswith(MENU_OPTIONS)

    asks = phone.text("1")
    assert asks is not None and "postcode" in asks.lower()

    venues = phone.text("LS9 7BG")
    assert venues is not None
    assert "LS9 7BG" in venues and "miles" in venues
    assert "Contains OS data (c) Crown copyright" in venues
    assert venues.endswith("Reply with a number:\n1 More\n2 Remind me\n3 Menu")

    more = phone.text("1")  # "More": the next places
    assert more is not None and "miles" in more and more != venues


def test_a_question_and_its_fuller_answer(phone: Phone) -> None:
    phone.text("hi")
    answer = without_notice(phone.text("how do I get free mobile data"))
    assert "SIM" in answer
    options = answer.split("Reply with a number:\n")[1].split("\n")
    more = next(line for line in options if line.endswith(" More"))
    fuller = phone.text(more.split(" ")[0])
    assert fuller is not None and "National Databank" in fuller
    assert "https://" not in fuller and "www." not in fuller
    assert "Reply with a number:" in fuller, "never a dead end"


def test_stop_then_silence_until_start(phone: Phone, settings: Settings) -> None:
    phone.text("hi")
    assert phone.text("STOP") == "You won't get any more texts from Get Online. Text START to start again."
    events = tracker_events(settings, phone.number)
    assert events > 0, "the conversation should be in the tracker store"
    assert phone.text("hello") is None
    assert phone.text("Stop") is None, "STOP is confirmed once"
    assert tracker_events(settings, phone.number) == events, "an opted-out number reached the engine"
    with session_scope(settings.database_url) as session:
        contact = session.get(Contact, person_key(conversation(settings, phone.number)))
        assert contact is not None and contact.opted_out_at is not None
    again = phone.text("START")
    # The same conversation greeted before, so the short "Hello again!" with the menu.
    assert again is not None and again.startswith("Hello") and again.endswith(MENU_OPTIONS)


def test_help_gives_the_helpline(phone: Phone, settings: Settings) -> None:
    text = phone.text("HELP")
    assert text is not None
    assert LOCAL.helpline.phone in text and LOCAL.helpline.name in text and "MENU" in text
    assert tracker_events(settings, phone.number) == 0, "HELP is answered without the engine"


def test_a_retried_message_is_answered_once(phone: Phone, settings: Settings) -> None:
    sid = f"SM{uuid.uuid4().hex}"
    assert phone.text("hello", sid=sid)
    events = tracker_events(settings, phone.number)
    assert events > 0, "the conversation should be in the tracker store"
    assert phone.text("hello", sid=sid) is None
    assert tracker_events(settings, phone.number) == events


def test_a_forged_signature_is_refused_before_the_engine(phone: Phone, settings: Settings) -> None:
    signature = RequestValidator("not-the-token").compute_signature(PUBLIC + PATH, {"Body": "hello"})
    assert phone.post("hello", signature=signature).status_code == 403
    assert (
        phone.client.post(PATH, data={"From": phone.number, "Body": "hi", "MessageSid": "SM1"}).status_code
        == 403
    )
    assert tracker_events(settings, phone.number) == 0
    with session_scope(settings.database_url) as session:
        assert session.get(Contact, person_key(conversation(settings, phone.number))) is None


def test_a_5000_character_text_gets_a_short_clear_answer(phone: Phone) -> None:
    text = without_notice(phone.text("free wifi " * 500))
    assert "too long" in text and text.endswith("Reply with a number:\n1 Menu")
    assert segments(text) == 1


def test_odd_texts_get_an_answer(phone: Phone) -> None:
    for body in ("\x00\x1b[31m hello \x07", "\U0001f600\U0001f44d", "", "   "):
        assert phone.text(body), body


def test_a_champions_keyword_starts_with_their_code(phone: Phone, settings: Settings) -> None:
    text = phone.text("HELLO LIB-CENTRAL")
    assert text is not None and text.startswith(PRIVACY_NOTICE) and "Hello" in text
    assert text.endswith(MENU_OPTIONS)
    assert phone.text("free wifi"), "the referral counts once a real conversation follows"
    person = person_key(conversation(settings, phone.number))
    with session_scope(settings.database_url) as session:
        contact = session.get(Contact, person)
        assert contact is not None and contact.referral_code == "LIB-CENTRAL"
    for _ in range(50):  # usage is written in the background, about once a second
        with session_scope(settings.database_url) as session:
            referral = session.scalar(
                sa.select(UsageEvent).where(
                    UsageEvent.kind == UsageKind.REFERRAL,
                    UsageEvent.person == person,
                    UsageEvent.channel == "sms",
                )
            )
            if referral is not None:
                assert referral.detail == "LIB-CENTRAL"
                return
        time.sleep(0.2)
    pytest.fail("no referral recorded in usage_events")
