"""The gateway's side: consent saved with the raw address only it has; stop; forget; purge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import OutboundContact, OutboundMessage
from bot.db.session import get_engine, session_scope
from bot.gateway.engine import EngineTurn, Understood
from bot.gateway.state import MemoryState
from bot.gateway.turns import OUTBOUND_NOT_SAVED, Conversations, from_engine
from bot.local import load_local
from bot.outbound import ContactCipher, QuietHours, schedule_message
from bot.outbound.desk import OutboundDesk
from bot.privacy.contacts import ContactBook
from bot.privacy.forget import forget_person
from bot.privacy.purge import purge
from bot.referrals import ReferralCodes
from bot.settings import get_settings
from bot.usage.recorder import UsageRecorder

LOCAL = load_local(get_settings().local_file)
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
CONSENT = EngineTurn(
    [
        {"text": "OK. I'll send you 2 messages: the day before, and one after."},
        {"custom": {"consent": "2 messages about Drop-in"}},
    ]
)


@dataclass
class FakeEngine:
    replies: list[EngineTurn] = field(default_factory=list)
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    async def send(self, sender_id: str, text: str, channel: str) -> EngineTurn:
        self.sent.append((sender_id, text, channel))
        return self.replies.pop(0) if self.replies else EngineTurn([{"text": "Hello!"}])


@dataclass
class Gateway:
    conversations: Conversations
    engine: FakeEngine
    cipher: ContactCipher
    url: str

    def rows(self) -> tuple[list[OutboundContact], list[OutboundMessage]]:
        with Session(get_engine(self.url)) as session:
            return list(session.scalars(select(OutboundContact))), list(
                session.scalars(select(OutboundMessage))
            )

    def schedule(self, conversation: str) -> None:
        with session_scope(self.url) as session:
            schedule_message(
                session,
                conversation_id=conversation,
                kind="reminder",
                due_at=NOW + timedelta(days=2),
                content={"template": "reminder", "params": {}},
                quiet=QuietHours(),
            )


@pytest.fixture
def gateway(migrated_url: str, cipher: ContactCipher) -> Gateway:
    engine = FakeEngine()
    conversations = Conversations(
        engine,
        "secret",
        LOCAL,
        state=MemoryState(),
        contacts=ContactBook(migrated_url),
        usage=UsageRecorder(migrated_url),
        referrals=ReferralCodes(migrated_url),
        forget=lambda conversation: _true(),
        outbound=OutboundDesk(migrated_url, cipher, QuietHours(), clock=lambda: NOW),
    )
    return Gateway(conversations, engine, cipher, migrated_url)


async def _true() -> bool:
    return True


def test_the_consent_payload_is_read_from_the_engine_reply() -> None:
    rendered = from_engine(CONSENT.messages)
    assert rendered.consent == "2 messages about Drop-in"
    assert [m.text for m in rendered.messages] == [
        "OK. I'll send you 2 messages: the day before, and one after."
    ]
    assert from_engine([{"text": "hi", "custom": {"consent": 3}}]).consent is None


async def test_consent_keeps_the_raw_chat_id_encrypted_and_links_what_was_scheduled(gateway: Gateway) -> None:
    conversation = gateway.conversations.conversation_id("telegram", "987654321")
    gateway.schedule(conversation)  # the consent action schedules during the engine's turn
    gateway.engine.replies.append(CONSENT)
    replies = await gateway.conversations.turn("telegram", "987654321", "yes please")
    assert OUTBOUND_NOT_SAVED not in [r.text for r in replies]
    [contact], [message] = gateway.rows()
    assert contact.conversation_id == conversation and contact.channel == "telegram"
    assert "987654321" not in contact.address_encrypted
    assert gateway.cipher.decrypt(contact.address_encrypted) == "987654321"
    assert contact.consent == "2 messages about Drop-in"
    assert message.contact_id == contact.id
    assert all("987654321" not in sender for sender, _, _ in gateway.engine.sent)


async def test_the_web_chat_has_no_address_to_keep(gateway: Gateway) -> None:
    gateway.engine.replies.append(CONSENT)
    replies = await gateway.conversations.turn("web", "browser-1", "yes")
    assert gateway.rows() == ([], [])
    assert OUTBOUND_NOT_SAVED not in [r.text for r in replies]


async def test_stop_cancels_everything_pending_and_deletes_the_address(gateway: Gateway) -> None:
    gateway.engine.replies.append(CONSENT)
    await gateway.conversations.turn("telegram", "555", "yes")
    gateway.schedule(gateway.conversations.conversation_id("telegram", "555"))
    stop = EngineTurn(
        [{"text": "OK. I won't message you again."}], Understood(intent="opt_out", confidence=1.0)
    )
    gateway.engine.replies.append(stop)
    await gateway.conversations.turn("telegram", "555", "/opt_out")
    contacts, messages = gateway.rows()
    assert contacts == [] and [m.status for m in messages] == ["cancelled"]


def test_forget_me_deletes_the_address_and_every_message(gateway: Gateway, cipher: ContactCipher) -> None:
    desk = gateway.conversations.outbound
    assert desk is not None
    with session_scope(gateway.url) as session:
        from bot.outbound import save_contact

        save_contact(
            session,
            cipher,
            conversation_id="c1",
            channel="sms",
            address="+447700900123",
            consent="x",
            now=NOW,
        )
    gateway.schedule("c1")
    gateway.schedule("c2")
    forget_person("c1", database_url=gateway.url, tracker_store_url=gateway.url)
    contacts, messages = gateway.rows()
    assert contacts == [] and [m.conversation_id for m in messages] == ["c2"]


def test_the_retention_purge_deletes_old_addresses_and_cancels_what_they_had(
    gateway: Gateway, cipher: ContactCipher
) -> None:
    from bot.outbound import save_contact

    with session_scope(gateway.url) as session:
        save_contact(
            session,
            cipher,
            conversation_id="old",
            channel="sms",
            address="+447700900001",
            consent="x",
            now=NOW - timedelta(days=100),
        )
        save_contact(
            session,
            cipher,
            conversation_id="new",
            channel="sms",
            address="+447700900002",
            consent="x",
            now=NOW,
        )
    gateway.schedule("old")
    gateway.schedule("new")
    purged = purge(timedelta(days=90), database_url=gateway.url, tracker_store_url=gateway.url, now=NOW)
    assert purged.outbound_contacts == 1
    contacts, messages = gateway.rows()
    assert [c.conversation_id for c in contacts] == ["new"]
    assert sorted((m.conversation_id, m.status) for m in messages) == [
        ("new", "pending"),
        ("old", "cancelled"),
    ]
    with Session(get_engine(gateway.url)) as session:
        assert session.scalar(select(func.count()).select_from(OutboundContact)) == 1
