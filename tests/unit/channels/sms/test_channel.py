"""The SMS channel over a fake engine: keywords, duplicates, opt-out, bad input, never a 5xx."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.channels.sms.channel import SmsChannel
from bot.channels.sms.providers.twilio import TwilioProvider
from bot.channels.sms.render import segments
from bot.db import migrate
from bot.db.models import Contact, DigitalChampion
from bot.db.session import session_scope
from bot.flood_limits import FloodGuard, FloodLimits, Limit, MemoryRateLimiter
from bot.gateway.engine import EngineTurn, EngineUnavailable
from bot.gateway.state import MemoryState
from bot.gateway.turns import Conversations
from bot.local import load_local
from bot.messages import SLOW_DOWN
from bot.privacy.contacts import ContactBook
from bot.referrals import ReferralCodes
from bot.settings import Settings, get_settings
from bot.usage.recorder import UsageRecorder

LOCAL = load_local(get_settings().local_file)
TOKEN = "test-token"
PUBLIC = "https://bot.example.org"
URL = PUBLIC + "/webhooks/sms/twilio"
NUMBER = "+447700900123"
MENU = [{"title": "Menu", "payload": "/help"}]
GREETING = EngineTurn(
    [
        {"text": "Hello! What would you like to do?"},
        {
            "buttons": [
                {"title": "Find help near me", "payload": "/find_help"},
                {"title": "Ask a question", "payload": "/ask_question"},
            ]
        },
    ]
)


@dataclass
class FakeEngine:
    replies: list[EngineTurn | Exception] = field(default_factory=list)
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    async def send(self, sender_id: str, text: str, channel: str) -> EngineTurn:
        self.sent.append((sender_id, text, channel))
        reply = self.replies.pop(0) if self.replies else GREETING
        if isinstance(reply, Exception):
            raise reply
        return reply


@dataclass
class Phone:
    """A resident's phone talking to the webhook, as Twilio would deliver their texts."""

    client: TestClient
    engine: FakeEngine
    url: str
    number: str = NUMBER
    ids: Iterator[int] = field(default_factory=count)

    def post(self, body: str | None, *, sid: str | None = None, signature: str | None = None) -> object:
        fields = {"From": self.number, "To": "+447700900999", "MessageSid": sid or f"SM{next(self.ids):032d}"}
        if body is not None:
            fields["Body"] = body
        if signature is None:
            signature = RequestValidator(TOKEN).compute_signature(URL, fields)
        return self.client.post(
            "/webhooks/sms/twilio", data=fields, headers={"X-Twilio-Signature": signature}
        )

    def text(self, body: str | None, **kwargs: str) -> str | None:
        """The text sent back, or None for an empty TwiML response."""
        response = self.post(body, **kwargs)
        assert response.status_code == 200, response.text  # type: ignore[attr-defined]
        assert response.headers["content-type"].startswith("text/xml")  # type: ignore[attr-defined]
        messages = list(ET.fromstring(response.content))  # type: ignore[attr-defined]
        assert len(messages) <= 1
        if messages:
            assert segments(messages[0].text or "") <= 3
        return messages[0].text if messages else None


def build(url: str, engine: FakeEngine, guard: FloodGuard | None = None) -> TestClient:
    conversations = Conversations(
        engine,
        "secret",
        LOCAL,
        state=MemoryState(),
        contacts=ContactBook(url),
        usage=UsageRecorder(url),
        referrals=ReferralCodes(url),
        forget=lambda conversation: _false(),
        guard=guard,
    )
    settings = Settings(
        database_url=url,
        pseudonym_secret="secret",
        session_secret="s",
        twilio_auth_token=TOKEN,
        public_base_url=PUBLIC,
    )
    channel = SmsChannel(settings, conversations)
    return TestClient(Starlette(routes=channel.routes))


async def _false() -> bool:
    return False


@pytest.fixture
def url(sqlite_url: str) -> str:
    migrate.upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        session.add(DigitalChampion(name="Library champion", referral_code="LIB-CENTRAL"))
    return sqlite_url


@pytest.fixture
def phone(url: str) -> Iterator[Phone]:
    engine = FakeEngine()
    with build(url, engine) as client:
        yield Phone(client, engine, url)


def test_the_webhook_is_served_for_the_twilio_provider(url: str) -> None:
    settings = Settings(database_url=url, twilio_auth_token=TOKEN)
    channel = SmsChannel(settings, None)  # type: ignore[arg-type]
    assert [route.path for route in channel.routes] == ["/webhooks/sms/twilio"]  # type: ignore[attr-defined]
    assert SmsChannel(settings, None, providers=[]).routes == []  # type: ignore[arg-type]
    assert isinstance(TwilioProvider(TOKEN), TwilioProvider)


def test_a_greeting_gets_the_notice_text_and_numbered_options(phone: Phone) -> None:
    text = phone.text("hello")
    assert text is not None
    assert text.startswith("I'm a chatbot.")
    assert text.endswith(
        "Hello! What would you like to do?\n\nReply with a number:\n1 Find help near me\n2 Ask a question"
    )
    phone.text("2")
    assert phone.engine.sent[-1][1] == "/ask_question"
    assert NUMBER not in phone.engine.sent[0][0] and phone.engine.sent[0][2] == "sms"


def test_a_forged_or_missing_signature_is_403_and_the_engine_is_not_asked(phone: Phone) -> None:
    assert phone.post("hello", signature="bm90IGEgc2lnbmF0dXJl").status_code == 403  # type: ignore[attr-defined]
    response = phone.client.post(
        "/webhooks/sms/twilio", data={"From": NUMBER, "Body": "hi", "MessageSid": "SM1"}
    )
    assert response.status_code == 403
    assert phone.engine.sent == []


def test_a_retried_message_is_answered_once(phone: Phone) -> None:
    assert phone.text("hello", sid="SM" + "a" * 32)
    assert phone.text("hello", sid="SM" + "a" * 32) is None
    assert len(phone.engine.sent) == 1


def test_stop_is_confirmed_once_then_silence_until_start(phone: Phone) -> None:
    phone.text("hello")
    assert phone.text("STOP") == "You won't get any more texts from Get Online. Text START to start again."
    sent = len(phone.engine.sent)
    assert phone.text("hello") is None
    assert phone.text("stop") is None
    assert phone.text("2") is None
    assert len(phone.engine.sent) == sent, "an opted-out number reached the engine"
    text = phone.text("Start")
    assert text is not None and text.startswith("Hello!")
    assert phone.engine.sent[-1][1] == "/greet"
    assert phone.text("hello") is not None


def test_stop_survives_a_restart_of_the_gateway(url: str) -> None:
    engine = FakeEngine()
    with build(url, engine) as client:
        Phone(client, engine, url).text("STOPALL")
    with build(url, engine) as client:  # a new process (or another replica): same database
        phone = Phone(client, engine, url, ids=count(100))
        assert phone.text("hello") is None
    with session_scope(url) as session:
        [contact] = session.scalars(select(Contact)).all()
        assert contact.opted_out_at is not None and contact.channel == "sms"
        assert NUMBER not in contact.person


def test_help_gives_contacts_without_the_engine(phone: Phone) -> None:
    text = phone.text(" help ")
    assert text is not None and LOCAL.helpline.phone in text and "Text MENU" in text
    assert phone.engine.sent == []
    phone.text("STOP")
    after_stop = phone.text("HELP")
    assert after_stop is not None and "Text START" in after_stop


def test_help_me_is_a_question_for_the_engine(phone: Phone) -> None:
    phone.text("help me")
    assert phone.engine.sent[-1][1] == "help me"


def test_a_champions_keyword_starts_with_their_code(phone: Phone) -> None:
    phone.text("hello lib-central")
    assert phone.engine.sent[-1][1] == '/greet{"referral_code": "LIB-CENTRAL"}'
    phone.text("HELLO MADE-UP")
    assert phone.engine.sent[-1][1] == "HELLO MADE-UP"


def test_a_huge_body_gets_a_short_clear_answer_whose_number_works(phone: Phone) -> None:
    text = phone.text("x" * 5000)
    assert text is not None and "too long" in text and text.endswith("Reply with a number:\n1 Menu")
    assert phone.engine.sent == []
    phone.text("1")
    assert phone.engine.sent[-1][1] == "/help"


@pytest.mark.parametrize(
    "body", ["\x00\x07\x1b", "", None, "\U0001f600\U0001f44d", "\u202e\u0645\u0631\u062d\u0628\u0627"]
)
def test_odd_bodies_get_an_answer(phone: Phone, body: str | None) -> None:
    assert phone.text(body)


@pytest.mark.parametrize(
    "fields",
    [{"Body": "hi", "MessageSid": "SM1"}, {"From": NUMBER, "Body": "hi"}],
    ids=["no-from", "no-sid"],
)
def test_missing_fields_are_a_400(phone: Phone, fields: dict[str, str]) -> None:
    signature = RequestValidator(TOKEN).compute_signature(URL, fields)
    response = phone.client.post(
        "/webhooks/sms/twilio", data=fields, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 400


def test_the_engine_down_or_a_bug_is_an_apology_never_a_5xx(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    phone.engine.replies = [EngineUnavailable("timeout"), RuntimeError(f"boom for {NUMBER}")]
    caplog.set_level(logging.INFO)
    for _ in range(2):
        text = phone.text("hello")
        assert text is not None and "Sorry" in text and LOCAL.helpline.phone in text
    assert "RuntimeError" in caplog.text
    assert "7700900123" not in caplog.text, "the raw number reached the log"


def test_bot_text_is_sent_as_gsm7_and_escaped(phone: Phone) -> None:
    phone.engine.replies = [
        EngineTurn([{"text": "It\u2019s free \u2013 see <https://www.gov.uk/x> & more \U0001f44d"}])
    ]
    text = phone.text("hello")
    assert text is not None and text.endswith("It's free - see <gov.uk/x> & more")


def test_a_number_over_its_rate_is_told_once_then_gets_nothing_and_never_reaches_the_engine(
    url: str,
) -> None:
    frozen = lambda: 1000.0  # noqa: E731  (no time passes: the rate never refills)
    limits = FloodLimits(sender=Limit(per_second=0.5, burst=3))
    engine = FakeEngine()
    with build(url, engine, FloodGuard(MemoryRateLimiter(clock=frozen), limits, clock=frozen)) as client:
        phone = Phone(client, engine, url)
        replies = [phone.text(f"hello {n}") for n in range(6)]
    assert all(replies[:3])
    assert replies[3:] == [SLOW_DOWN, None, None], "each text costs: told once, then silence"
    assert len(engine.sent) == 3
