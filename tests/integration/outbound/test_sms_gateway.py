"""SMS in and out: STOP cancels what is due; a text that got the apology gets its answer later;
Twilio's signed delivery reports are recorded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.channels.sms.channel import SmsChannel
from bot.channels.sms.outbound import STATUS_PATH, status_route
from bot.channels.sms.providers.twilio import TwilioProvider
from bot.db.models import OutboundContact, OutboundMessage
from bot.gateway.engine import EngineTurn, EngineUnavailable
from bot.gateway.turns import Conversations
from bot.local import load_local
from bot.outbound.desk import OutboundDesk
from bot.privacy.contacts import ContactBook
from bot.referrals import ReferralCodes
from bot.settings import Settings, get_settings
from bot.usage.recorder import UsageRecorder
from tests.integration.outbound.conftest import NOW, Outbox, later

pytestmark = pytest.mark.asyncio(loop_scope="session")
LOCAL = load_local(get_settings().local_file)
PUBLIC = "https://bot.example.org"
NUMBER = "+447700900555"


@dataclass
class Engine:
    """The engine as the gateway and the composer see it: down until told otherwise."""

    up: bool = False
    sent: list[str] = field(default_factory=list)

    async def send(self, sender_id: str, text: str, channel: str) -> EngineTurn:
        if not self.up:
            raise EngineUnavailable("down")
        self.sent.append(text)
        return EngineTurn([{"text": "The nearest help is Leeds Central Library."}])

    async def trigger(
        self, conversation_id: str, intent: str, entities: object = None, channel: str = "web"
    ) -> list:
        raise EngineUnavailable("not used")


@dataclass
class Phone:
    client: TestClient
    token: str
    number: str = NUMBER
    ids: Iterator[int] = field(default_factory=count)

    def text(self, body: str) -> str:
        fields = {
            "From": self.number,
            "To": "+447700900000",
            "MessageSid": f"SM{next(self.ids):032d}",
            "Body": body,
        }
        signature = RequestValidator(self.token).compute_signature(f"{PUBLIC}/webhooks/sms/twilio", fields)
        response = self.client.post(
            "/webhooks/sms/twilio", data=fields, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 200
        return response.text


@pytest.fixture
def world(outbox: Outbox, migrated_url: str) -> Iterator[tuple[Phone, Engine, Conversations]]:
    engine = Engine()
    desk = OutboundDesk(migrated_url, outbox.cipher, outbox.quiet, clock=outbox.clock)
    conversations = Conversations(
        engine,
        "secret",
        LOCAL,
        state=outbox.state,
        contacts=ContactBook(migrated_url),
        usage=UsageRecorder(migrated_url),
        referrals=ReferralCodes(migrated_url),
        forget=lambda conversation: _true(),
        outbound=desk,
    )
    token = outbox.twilio_api.auth_token
    settings = Settings(database_url=migrated_url, twilio_auth_token=token, public_base_url=PUBLIC)
    channel = SmsChannel(settings, conversations)
    routes = [*channel.routes, status_route(TwilioProvider(token, PUBLIC), migrated_url)]
    with TestClient(Starlette(routes=routes)) as client:
        yield Phone(client, token), engine, conversations


async def _true() -> bool:
    return True


def rows(outbox: Outbox) -> tuple[list[OutboundContact], list[OutboundMessage]]:
    with Session(outbox.database) as session:
        return list(session.scalars(select(OutboundContact))), list(session.scalars(select(OutboundMessage)))


async def test_a_text_that_got_the_apology_gets_its_answer_once_the_engine_is_back(
    outbox: Outbox, world: tuple[Phone, Engine, Conversations]
) -> None:
    phone, engine, _ = world
    texts = outbox.twilio_api.mark()
    reply = phone.text("Where can I get help near LS9? My number is 07700 900123")
    assert "I'll text you my answer as soon as I can." in reply
    [contact], [message] = rows(outbox)
    assert message.kind == "late_answer" and message.status == "pending"
    kept = outbox.cipher.decrypt(str(message.content["late"]))
    assert "LS9" in kept and "900123" not in kept, "kept redacted, as the turn would have sent it"
    assert "7700900555" not in contact.address_encrypted
    dispatcher = outbox.dispatcher(engine=engine)
    assert (await dispatcher.drain()).retried == 1, "the engine is still down: tried again later"
    engine.up = True
    outbox.clock.now += later(1)
    assert (await dispatcher.drain()).sent == 1
    [text] = outbox.twilio_api.sent_to(NUMBER, texts)
    assert text.body.startswith("Sorry for the wait.") and "Leeds Central Library" in text.body
    assert engine.sent == [kept]
    outbox.clock.now += later(60)
    assert (await dispatcher.drain()).claimed == 0
    contacts, [message] = rows(outbox)
    assert contacts == [], "nothing more is due: the number is deleted"
    assert message.status == "sent" and message.content == {}, "the text is not kept after its answer"


async def test_stop_by_sms_cancels_everything_pending(
    outbox: Outbox, world: tuple[Phone, Engine, Conversations]
) -> None:
    phone, _, conversations = world
    conversation = conversations.conversation_id("sms", NUMBER)
    outbox.contact(conversation, "sms", NUMBER)
    outbox.schedule(conversation, due_at=NOW + later(600))
    outbox.schedule(conversation, kind="followup", due_at=NOW + later(6000))
    assert "Text START" in phone.text("Cancel")
    contacts, messages = rows(outbox)
    assert contacts == [] and {m.status for m in messages} == {"cancelled"}


async def test_delivery_reports_are_recorded_only_when_signed(
    outbox: Outbox, world: tuple[Phone, Engine, Conversations]
) -> None:
    phone, _, _ = world
    outbox.contact("r1", "sms", "+447700900601")
    outbox.contact("r2", "sms", "+447700900602")
    first = outbox.schedule("r1")
    second = outbox.schedule("r2")
    await outbox.dispatcher(status_callback=f"{PUBLIC}{STATUS_PATH}").drain()
    with Session(outbox.database) as session:
        sids = {m.id: m.provider_message_id for m in session.scalars(select(OutboundMessage))}
    fields = {"MessageSid": str(sids[first]), "MessageStatus": "delivered"}
    assert (
        phone.client.post(STATUS_PATH, data=fields, headers={"X-Twilio-Signature": "forged"}).status_code
        == 403
    )
    for sid, status, code in ((sids[first], "delivered", None), (sids[second], "undelivered", 30005)):
        fields = {
            "MessageSid": str(sid),
            "MessageStatus": status,
            **({"ErrorCode": str(code)} if code else {}),
        }
        signature = RequestValidator(outbox.twilio_api.auth_token).compute_signature(
            f"{PUBLIC}{STATUS_PATH}", fields
        )
        response = phone.client.post(STATUS_PATH, data=fields, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 204
    with Session(outbox.database) as session:
        states = {m.id: (m.status, m.error) for m in session.scalars(select(OutboundMessage))}
    assert states[first] == ("delivered", None)
    assert states[second] == ("failed", "sms undelivered 30005")


async def test_a_typed_number_after_a_reminder_sent_by_another_process_means_its_option(
    outbox: Outbox, world: tuple[Phone, Engine, Conversations]
) -> None:
    """`messages send-due` (or a replica without Redis) shares no state with the gateway: the
    options the reminder offered are kept with it, and taken by the resident's next message."""
    from bot.gateway.state import MemoryState

    phone, engine, conversations = world
    engine.up = True
    conversation = conversations.conversation_id("sms", NUMBER)
    outbox.contact(conversation, "sms", NUMBER)
    outbox.schedule(conversation, kind="retake_invite", content={"template": "retake_invite", "params": {}})
    texts = outbox.twilio_api.mark()
    assert (await outbox.dispatcher(state=MemoryState()).drain()).sent == 1
    [invitation] = outbox.twilio_api.sent_to(NUMBER, texts)
    assert "1" in invitation.body and "Take the check again" in invitation.body
    phone.text("1")
    assert engine.sent[-1] == "/start_confidence_check", "the invitation's first option, not the text 1"
    phone.text("2")
    assert engine.sent[-1] == "2", "taken once: the reply since then offered none"
