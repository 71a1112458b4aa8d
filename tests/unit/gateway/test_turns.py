"""The turn every channel shares: what reaches the engine, and what the resident is told."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from bot.db import migrate
from bot.db.models import Contact, DigitalChampion, UsageEvent, UsageKind
from bot.db.session import session_scope
from bot.gateway.engine import EngineDown, EngineTurn, EngineUnavailable, Understood
from bot.gateway.readiness import EngineReadiness
from bot.gateway.state import MemoryState
from bot.gateway.turns import Conversations, forget_in_thread, from_engine
from bot.local import load_local
from bot.privacy.contacts import ContactBook
from bot.pseudonym import person_key
from bot.referrals import ReferralCodes
from bot.settings import get_settings
from bot.usage.recorder import UsageRecorder
from tests.unit.gateway.restarting import DEADLINE, Clock, Probe

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


async def test_a_known_referral_code_is_passed_on_and_counted_when_a_conversation_follows(
    world: World,
) -> None:
    await world.conversations.start("telegram", "42", "lib-central")
    await world.conversations.start("telegram", "43", "MADE-UP")
    assert world.engine.sent[0][1] == '/greet{"referral_code": "LIB-CENTRAL"}'
    assert world.engine.sent[1][1] == "/greet"
    assert not [r for r in await world.usage_rows() if r[0] is UsageKind.REFERRAL], "not yet"
    await world.conversations.turn("telegram", "42", "free wifi")
    await world.conversations.turn("telegram", "43", "free wifi")
    rows = await world.usage_rows()
    assert [r for r in rows if r[0] is UsageKind.REFERRAL] == [
        (UsageKind.REFERRAL, "telegram", "LIB-CENTRAL")
    ]
    with session_scope(world.url) as session:
        person = person_key(world.conversations.conversation_id("telegram", "42"))
        assert session.get(Contact, person).referral_code == "LIB-CENTRAL"  # type: ignore[union-attr]


async def test_made_up_senders_with_empty_messages_count_no_referrals(world: World) -> None:
    for number in range(50):
        await world.conversations.start("web", f"made-up-{number}", "LIB-CENTRAL")
    assert not [r for r in await world.usage_rows() if r[0] is UsageKind.REFERRAL]


async def test_a_referral_counts_once_per_person(world: World) -> None:
    with session_scope(world.url) as session:
        session.add(DigitalChampion(name="Hub champion", referral_code="HUB-22"))
    for code in ("LIB-CENTRAL", "LIB-CENTRAL", "HUB-22"):
        await world.conversations.start("web", "w", code)
        await world.conversations.turn("web", "w", "hello")
        await world.conversations.turn("web", "w", "free wifi")
    rows = await world.usage_rows()
    assert [r for r in rows if r[0] is UsageKind.REFERRAL] == [(UsageKind.REFERRAL, "web", "LIB-CENTRAL")]


FORGET_QUESTION = EngineTurn(
    [
        {
            "text": "Delete everything?",
            "buttons": [
                {"title": "Yes, delete", "payload": "/forget_confirm"},
                {"title": "No", "payload": "/deny"},
            ],
        }
    ]
)


async def test_typing_the_confirmation_does_not_skip_the_question(world: World) -> None:
    await world.conversations.turn("web", "w", "/forget_confirm")
    assert world.engine.sent[-1][1] == "forget_confirm", "only words"
    world.engine.replies = [FORGET_QUESTION]
    await world.conversations.turn("web", "w", "/forget_me")
    assert world.engine.sent[-1][1] == "/forget_me", "a harmless intent may be typed"
    await world.conversations.turn("web", "w", "/forget_confirm")
    assert world.engine.sent[-1][1] == "/forget_confirm", "the button the web chat just showed"


async def test_a_typed_topic_payload_cannot_reach_the_reports(world: World) -> None:
    typed = '/ask_topic{"faq_topic": "buy crypto now"}'
    await world.conversations.turn("web", "w", typed)
    assert world.engine.sent[-1][1] == typed[1:]
    offered = '/ask_topic{"faq_topic": "scams"}'
    world.engine.replies = [
        EngineTurn([{"text": "Topics", "buttons": [{"title": "Scams", "payload": offered}]}])
    ]
    await world.conversations.turn("web", "w", "/ask_question")
    for _ in range(3):  # other turns in between: an older button on the page still works
        await world.conversations.turn("web", "w", "hello")
    await world.conversations.turn("web", "w", offered)
    assert world.engine.sent[-1][1] == offered
    await world.conversations.turn("web", "other", offered)
    assert world.engine.sent[-1][1] == offered[1:], "offered to someone else"


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
    world.engine.replies = [FORGET_QUESTION]
    await world.conversations.turn("web", "w", "forget me")
    world.engine.replies = [EngineTurn([{"custom": {"forget": True}}])]
    replies = await world.conversations.turn("web", "w", "/forget_confirm")
    assert world.forgotten == [world.conversations.conversation_id("web", "w")]
    assert "deleted" in (replies[-1].text or "")
    assert "90 days" in ((await world.conversations.turn("web", "w", "hi"))[0].text or ""), "a fresh start"


async def test_forget_me_drops_the_values_channels_keep_for_the_conversation(world: World) -> None:
    conversations = world.conversations
    conversations.keeps("telegram:keyboard")
    mine, other = conversations.conversation_id("web", "w"), conversations.conversation_id("web", "v")
    for conversation in (mine, other):
        await conversations.remember(conversation, "telegram:keyboard", "location")
    await conversations.store("telegram:button:x", "/find_help")
    world.engine.replies = [EngineTurn([{"custom": {"forget": True}}])]
    await conversations.turn("web", "w", "/forget_confirm")
    assert await conversations.recall(mine, "telegram:keyboard") is None
    assert await conversations.recall(other, "telegram:keyboard") == "location"
    assert await conversations.stored("telegram:button:x") == "/find_help"  # nobody's in particular


async def test_a_value_nobody_declared_cannot_be_kept(world: World) -> None:
    with pytest.raises(ValueError, match="keeps"):
        await world.conversations.remember("c", "undeclared", "x")


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


def restarting_engine(world: World, probe: Probe) -> Clock:
    """The engine's readiness, with time that moves only while the gateway waits."""
    clock = Clock()
    world.conversations._readiness = EngineReadiness(probe, DEADLINE, clock=clock, sleep=clock.sleep)
    return clock


async def test_a_held_message_waits_for_a_restarting_engine_and_gets_its_real_answer(world: World) -> None:
    clock = restarting_engine(world, Probe([False, False, True]))
    world.engine.replies = [EngineDown("refused"), EngineTurn([{"text": "Free data...", "buttons": MENU}])]
    replies = await world.conversations.turn("telegram", "42", "free data?", hold=True)
    assert [m.text for m in replies][1:] == ["Free data..."]
    assert "90 days" in (replies[0].text or "")  # the first contact is still told about their data
    assert [text for _, text, _ in world.engine.sent] == [
        "free data?",
        "free data?",
    ]  # it never got the first
    assert 0 < clock.now - 1000.0 < DEADLINE
    rows = await world.usage_rows()
    assert [r for r in rows if r[0] is UsageKind.CONVERSATION] == [(UsageKind.CONVERSATION, "telegram", "")]


async def test_a_held_message_gets_the_apology_when_the_engine_stays_down_past_the_deadline(
    world: World,
) -> None:
    clock = restarting_engine(world, Probe([False]))
    world.engine.replies = [EngineDown("refused")]
    [reply] = await world.conversations.turn("telegram", "42", "free data?", hold=True)
    assert "Sorry" in (reply.text or "") and LOCAL.helpline.phone in (reply.text or "")
    assert DEADLINE <= clock.now - 1000.0 < DEADLINE + 2
    assert len(world.engine.sent) == 1
    # Down past the deadline: the next held message is not kept waiting again.
    world.engine.replies = [EngineDown("refused")]
    waited = clock.now
    [reply] = await world.conversations.turn("telegram", "42", "hello?", hold=True)
    assert "Sorry" in (reply.text or "") and clock.now == waited


async def test_an_engine_whose_probe_says_up_but_takes_no_connection_is_tried_with_pauses(
    world: World,
) -> None:
    clock = restarting_engine(world, Probe([True]))
    world.engine.replies = [EngineDown("refused")] * 1000
    replies = await world.conversations.turn("telegram", "42", "hello", hold=True)
    assert "Sorry" in (replies[-1].text or "")
    assert DEADLINE <= clock.now - 1000.0 < DEADLINE + 2 and len(world.engine.sent) <= DEADLINE + 2


async def test_without_hold_an_engine_that_is_down_gets_the_apology_at_once(world: World) -> None:
    clock = restarting_engine(world, Probe([False, True]))
    world.engine.replies = [EngineDown("refused")]
    [reply] = await world.conversations.turn("sms", "1", "hello", hold=False)
    assert "Sorry" in (reply.text or "") and clock.slept == []
    assert not await world.conversations.engine_ready()  # the turn told the gateway it is down


async def test_a_slow_engine_is_not_sent_the_message_twice(world: World) -> None:
    clock = restarting_engine(world, Probe([True]))
    world.engine.replies = [EngineUnavailable("ReadTimeout")]
    [reply] = await world.conversations.turn("telegram", "42", "hello", hold=True)
    assert "Sorry" in (reply.text or "") and len(world.engine.sent) == 1 and clock.slept == []


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
    assert not any(message.asks_number for message in rendered.messages)
    assert [pin.name for pin in rendered.messages[1].venues] == ["Central Library"]
    assert not rendered.forget


def test_a_phone_number_asked_for_is_a_flag_on_the_question_for_the_phone_line() -> None:
    raw = [{"text": "Which number?", "buttons": [{"title": "Skip", "payload": "skip"}]}]
    rendered = from_engine([*raw, {"custom": {"callback": "expect_number"}}])
    assert [message.asks_number for message in rendered.messages] == [True]
