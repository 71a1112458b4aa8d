"""The turn every channel shares: what reaches the engine, and what the resident is told."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from bot.db import migrate
from bot.db.models import Contact, DigitalChampion, UsageEvent, UsageKind
from bot.db.session import session_scope
from bot.gateway.engine import EngineTurn, EngineUnavailable, Understood
from bot.gateway.state import MemoryState
from bot.gateway.turns import Conversations, forget_in_thread, from_engine
from bot.local import load_local
from bot.privacy.contacts import ContactBook
from bot.pseudonym import person_key
from bot.referrals import ReferralCodes
from bot.settings import get_settings
from bot.usage.recorder import UsageRecorder

LOCAL = load_local(get_settings().local_file)
MENU = [{"title": "Menu", "payload": "/help"}]


@dataclass
class FakeEngine:
    """Stands in for the engine: records what it was sent, answers what the test queued."""

    replies: list[EngineTurn | Exception] = field(default_factory=list)
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    async def send(self, sender_id: str, text: str, channel: str) -> EngineTurn:
        self.sent.append((sender_id, text, channel))
        reply = self.replies.pop(0) if self.replies else EngineTurn([{"text": "Hello!", "buttons": MENU}])
        if isinstance(reply, Exception):
            raise reply
        return reply


@dataclass
class World:
    conversations: Conversations
    engine: FakeEngine
    usage: UsageRecorder
    url: str
    forgotten: list[str]

    async def usage_rows(self) -> list[tuple[UsageKind, str, str]]:
        await self.usage.flush()
        with session_scope(self.url) as session:
            return [(r.kind, r.channel, r.detail) for r in session.scalars(select(UsageEvent))]


@pytest.fixture
def world(sqlite_url: str) -> World:
    migrate.upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        session.add(DigitalChampion(name="Library champion", referral_code="LIB-CENTRAL"))
    engine = FakeEngine()
    usage = UsageRecorder(sqlite_url)
    forgotten: list[str] = []
    really_forget = forget_in_thread(sqlite_url, sqlite_url.replace("test.db", "tracker.db"))

    async def forget(conversation: str) -> bool:
        forgotten.append(conversation)
        return await really_forget(conversation)

    conversations = Conversations(
        engine,
        "secret",
        LOCAL,
        state=MemoryState(),
        contacts=ContactBook(sqlite_url),
        usage=usage,
        referrals=ReferralCodes(sqlite_url),
        forget=forget,
    )
    return World(conversations, engine, usage, sqlite_url, forgotten)


async def test_the_privacy_notice_comes_once_at_first_contact(world: World) -> None:
    first = await world.conversations.turn("sms", "+447700900123", "hello")
    assert "90 days" in (first[0].text or "") and first[1].text == "Hello!"
    again = await world.conversations.turn("sms", "+447700900123", "hello")
    assert [m.text for m in again] == ["Hello!"]


async def test_the_engine_never_sees_the_raw_sender(world: World) -> None:
    await world.conversations.turn("sms", "+447700900123", "hi")
    sender, _, channel = world.engine.sent[0]
    assert "7700900123" not in sender and sender.startswith("sms-") and channel == "sms"
    with session_scope(world.url) as session:
        assert session.get(Contact, person_key(sender)) is not None


async def test_a_known_referral_code_is_passed_on_and_counted(world: World) -> None:
    await world.conversations.start("telegram", "42", "lib-central")
    await world.conversations.start("telegram", "43", "MADE-UP")
    assert world.engine.sent[0][1] == '/greet{"referral_code": "LIB-CENTRAL"}'
    assert world.engine.sent[1][1] == "/greet"
    rows = await world.usage_rows()
    assert (UsageKind.REFERRAL, "telegram", "LIB-CENTRAL") in rows
    assert not [r for r in rows if r[0] is UsageKind.REFERRAL and r[2] == "MADE-UP"]


async def test_a_typed_number_sends_the_option_offered(world: World) -> None:
    world.engine.replies = [
        EngineTurn([{"text": "Pick", "buttons": [*MENU, {"title": "Find", "payload": "/find_help"}]}])
    ]
    await world.conversations.turn("sms", "1", "hi")
    await world.conversations.turn("sms", "1", "2")
    assert world.engine.sent[-1][1] == "/find_help"


async def test_nobody_can_type_a_referral_code_in(world: World) -> None:
    await world.conversations.turn("web", "w", '/greet{"referral_code": "LIB-CENTRAL"}')
    assert world.engine.sent[-1][1] == 'greet{"referral_code": "LIB-CENTRAL"}'


async def test_bank_details_never_reach_the_engine(world: World) -> None:
    replies = await world.conversations.turn("sms", "1", "my card is 4111 1111 1111 1111 can you help")
    assert world.engine.sent[-1][1] == "my card is [removed] can you help"
    assert "bank details" in (replies[0].text or "")
    sent = len(world.engine.sent)
    only = await world.conversations.turn("sms", "1", "QQ123456C")
    assert len(world.engine.sent) == sent and "National Insurance" in (only[0].text or "")


async def test_a_confirmed_forget_deletes_and_says_so(world: World) -> None:
    await world.conversations.turn("web", "w", "hi")
    world.engine.replies = [EngineTurn([{"custom": {"forget": True}}])]
    replies = await world.conversations.turn("web", "w", "/forget_confirm")
    assert world.forgotten == [world.conversations.conversation_id("web", "w")]
    assert "deleted" in (replies[-1].text or "")
    assert "90 days" in ((await world.conversations.turn("web", "w", "hi"))[0].text or ""), "a fresh start"


async def test_a_forget_that_fails_says_so_with_who_can_delete_it(world: World) -> None:
    """The deployment's data-requests contact, not the council's general line (issue 19)."""

    async def refuse(conversation: str) -> bool:
        return False

    world.conversations._forget = refuse
    world.engine.replies = [EngineTurn([{"custom": {"forget": True}}])]
    replies = await world.conversations.turn("web", "w", "/forget_confirm")
    text = replies[-1].text or ""
    assert LOCAL.data_requests.contact in text and "couldn't" in text
    assert LOCAL.helpline.phone not in text


async def test_an_engine_that_fails_gets_an_apology(world: World) -> None:
    world.engine.replies = [EngineUnavailable("down"), EngineTurn([])]
    for _ in range(2):
        [reply] = await world.conversations.turn("web", "w", "hi")
        assert "Sorry" in (reply.text or "") and LOCAL.helpline.phone in (reply.text or "")


async def test_questions_and_misunderstandings_are_counted_without_personal_data(world: World) -> None:
    world.engine.replies = [
        EngineTurn([{"text": "Free data..."}], Understood("faq", 0.9, "free_data")),
        EngineTurn([{"text": "Sorry?"}], Understood("nlu_fallback", 0.2)),
        EngineTurn([{"text": "Scams..."}], Understood("ask_topic", 1.0, None, (("faq_topic", "scams"),))),
    ]
    await world.conversations.turn("sms", "1", "free data?")
    await world.conversations.turn("sms", "1", "call me on 07700 900123 or a@b.com about LS9 7BG")
    await world.conversations.turn("sms", "1", '/ask_topic{"faq_topic": "scams"}')
    rows = await world.usage_rows()
    assert (UsageKind.QUESTION, "sms", "free_data") in rows and (UsageKind.QUESTION, "sms", "scams") in rows
    [(_, _, text)] = [r for r in rows if r[0] is UsageKind.NOT_UNDERSTOOD]
    assert text == "call me on [phone] or [email] about ls9"
    assert [r for r in rows if r[0] is UsageKind.CONVERSATION] == [(UsageKind.CONVERSATION, "sms", "")]


async def test_a_shared_location_is_sent_rounded(world: World) -> None:
    await world.conversations.location("telegram", "42", 53.796312, -1.5641)
    assert world.engine.sent[-1][1] == '/find_help{"geo": "geo:53.796,-1.564"}'
    [reply] = await world.conversations.location("telegram", "42", float("nan"), 0.0)
    assert "postcode" in (reply.text or "")


def test_custom_payloads_become_flags_on_the_message_before() -> None:
    raw: list[dict[str, Any]] = [
        {"text": "What's your postcode?"},
        {"custom": {"request": "location"}},
        {"text": "1. Central Library", "buttons": MENU},
        {
            "custom": {
                "venues": [
                    {
                        "name": "Central Library",
                        "address": "Calverley St",
                        "latitude": 53.8,
                        "longitude": -1.5,
                    },
                    {"name": "broken"},
                ]
            }
        },
    ]
    rendered = from_engine(raw)
    assert rendered.messages[0].request_location and not rendered.messages[1].request_location
    assert [pin.name for pin in rendered.messages[1].venues] == ["Central Library"]
    assert not rendered.forget
