"""The phone line over a fake engine: signatures, the call's flow, silence, time, texts, forget me."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.channels.voice.channel import CALL_PATH, GATHER_PATH, STATE, VoiceChannel, parse_caller
from bot.channels.voice.wording import load_wording
from bot.db import migrate
from bot.gateway.engine import EngineTurn
from bot.gateway.state import MemoryState
from bot.gateway.turns import Conversations
from bot.local import load_local
from bot.messages import BotMessage
from bot.privacy.contacts import ContactBook
from bot.privacy.notice import forget_failed, forgotten, privacy_details
from bot.referrals import ReferralCodes
from bot.settings import Settings, get_settings
from bot.usage.recorder import UsageRecorder
from bot.voice.ear import for_the_ear
from tests.voice_twiml import Answer, read

LOCAL = load_local(get_settings().local_file)
WORDS = load_wording(get_settings().content_dir)
TOKEN = "test-token"
PUBLIC = "https://bot.example.org"
MOBILE = "+447700900123"
LANDLINE = "+441134960123"
MENU = EngineTurn(
    [
        {
            "text": "What would you like to do?",
            "buttons": [
                {"title": "Find help near me", "payload": "/find_help"},
                {"title": "Check my confidence", "payload": "/start_confidence_check"},
                {"title": "Ask a question", "payload": "/ask_question"},
            ],
        }
    ]
)
VENUES = EngineTurn(
    [
        {
            "text": "Help near LS9 7BG:\n- Compton Centre, 0.3 miles. Next: today, 10am. Tel 0113 378 5005.",
            "buttons": [{"title": "More", "payload": "/more_results"}, {"title": "Menu", "payload": "/help"}],
        },
        {"custom": {"venues": [{"name": "Compton Centre", "latitude": 53.8, "longitude": -1.5}]}},
    ]
)
QUESTION = EngineTurn(
    [
        {
            "text": "Question 2 of 8: Can you connect a phone or tablet to Wi-Fi on your own?",
            "buttons": [
                {"title": t, "payload": str(n)} for n, t in enumerate(["Yes, easily", "Not really"], 1)
            ],
        }
    ]
)


@dataclass
class FakeEngine:
    replies: list[EngineTurn] = field(default_factory=list)
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    async def send(self, sender_id: str, text: str, channel: str) -> EngineTurn:
        self.sent.append((sender_id, text, channel))
        return self.replies.pop(0) if self.replies else MENU


@dataclass
class FakeTexts:
    sent: list[tuple[str, str]] = field(default_factory=list)
    closed: bool = False

    async def send(self, address: str, messages: list[BotMessage]) -> str | None:
        self.sent.append((address, messages[0].text or ""))
        return "SM1"

    async def aclose(self) -> None:
        self.closed = True


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Line:
    client: TestClient
    engine: FakeEngine
    texts: FakeTexts
    clock: Clock
    state: MemoryState
    forgets: list[str]
    number: str = MOBILE
    calls: Iterator[int] = field(default_factory=count)
    call: str = "CA" + "0" * 32

    def post(self, path: str, extra: dict[str, str], *, signature: str | None = None) -> httpx.Response:
        fields = {"CallSid": self.call, "From": self.number, "To": "+441134960000", **extra}
        if signature is None:
            signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, fields)
        return self.client.post(path, data=fields, headers={"X-Twilio-Signature": signature})

    def answer(self, path: str, extra: dict[str, str]) -> Answer:
        response = self.post(path, extra)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        return read(response.content)

    def ring(self) -> Answer:
        self.call = f"CA{next(self.calls):032d}"
        return self.answer(CALL_PATH, {})

    def say(self, words: str) -> Answer:
        return self.answer(GATHER_PATH, {"SpeechResult": words, "Confidence": "0.9"})

    def press(self, key: str) -> Answer:
        return self.answer(GATHER_PATH, {"Digits": key})

    def silence(self) -> Answer:
        return self.answer(GATHER_PATH, {})


@pytest.fixture
def url(sqlite_url: str) -> str:
    migrate.upgrade(sqlite_url)
    return sqlite_url


def build(url: str, **overrides: object) -> tuple[Line, VoiceChannel]:
    engine, texts, clock, state, forgets = FakeEngine(), FakeTexts(), Clock(), MemoryState(), []

    async def forget(conversation: str) -> bool:
        forgets.append(conversation)
        return True

    conversations = Conversations(
        engine,
        "secret",
        LOCAL,
        state=state,
        contacts=ContactBook(url),
        usage=UsageRecorder(url),
        referrals=ReferralCodes(url),
        forget=forget,
    )
    settings = Settings(
        database_url=url,
        pseudonym_secret="secret",
        session_secret="s",
        twilio_auth_token=TOKEN,
        public_base_url=PUBLIC,
        voice_number="+441134960000",
        **overrides,  # type: ignore[arg-type]
    )
    channel = VoiceChannel(settings, conversations, texts=texts, clock=clock)
    client = TestClient(Starlette(routes=channel.routes))
    return Line(client, engine, texts, clock, state, forgets), channel


@pytest.fixture
def line(url: str) -> Iterator[Line]:
    made, _ = build(url)
    with made.client:
        yield made


def ear(text: str) -> str:
    return " ".join(for_the_ear(text).split())


def test_a_forged_or_unsigned_request_is_403_and_the_engine_is_not_asked(line: Line) -> None:
    assert line.post(CALL_PATH, {}, signature="Zm9yZ2Vk").status_code == 403
    assert line.post(GATHER_PATH, {"Digits": "1"}, signature="Zm9yZ2Vk").status_code == 403
    assert line.client.post(CALL_PATH, data={"CallSid": "CA1", "From": MOBILE}).status_code == 403
    assert line.engine.sent == []


def test_a_call_without_a_call_sid_is_400(line: Line) -> None:
    line.call = "nonsense"
    assert line.post(CALL_PATH, {}).status_code == 400


def test_a_first_call_hears_the_notice_for_the_phone_then_the_options(line: Line) -> None:
    first = line.ring()
    assert first.says[0].startswith("I'm an automated service, and this call is not recorded")
    assert "Type PRIVACY" not in first.text
    assert "Press 1 for Find help near me" in first.text and "or just say it" in first.text
    sender, text, channel = line.engine.sent[0]
    assert channel == "voice" and MOBILE not in sender and text.startswith("/greet")
    line.ring()
    assert "automated service" not in line.ring().text, "the notice is for the first call"


def test_the_privacy_details_are_said_for_a_call(line: Line) -> None:
    line.ring()
    details = privacy_details(LOCAL, 90)
    line.engine.replies.append(
        EngineTurn([{"text": details.text, "buttons": [b.as_dict() for b in details.buttons]}])
    )
    answer = line.say("privacy")
    assert answer.says[0].startswith("This call is not recorded") and "Type" not in answer.text
    assert "press 2 for Menu" in answer.text
    assert line.press("*").says == answer.says, "details are the answer: repeated with it"


def test_when_forgetting_fails_the_caller_is_not_told_to_type(line: Line) -> None:
    line.ring()
    line.engine.replies.append(EngineTurn([{"text": forget_failed(LOCAL, 90)}]))
    answer = line.say("forget me")
    assert answer.says[0].startswith("Sorry, I couldn't delete what you said just now")
    assert "type" not in answer.text.lower() and "90 days" in answer.text


def test_a_key_is_the_option_of_that_number(line: Line) -> None:
    line.ring()
    line.press("3")
    assert line.engine.sent[-1][1] == "/ask_question"
    line.say("Check my confidence.")
    assert line.engine.sent[-1][1] == "/start_confidence_check"
    line.press("#")
    assert line.engine.sent[-1][1] == "menu"


def test_a_key_that_is_no_option_is_said_to_be_none_and_never_reaches_the_engine(line: Line) -> None:
    greeting = line.ring()
    answer = line.press("7")
    assert answer.says[0] == WORDS.no_such_key and answer.says[1:] == greeting.says[-1:]
    assert line.press("9").says[0] == WORDS.nothing_to_text
    assert len(line.engine.sent) == 1


def test_silence_asks_again_offers_the_menu_then_says_the_helpline_twice_and_hangs_up(line: Line) -> None:
    greeting = line.ring()
    once = line.silence()
    assert once.says[0] == WORDS.not_heard and once.says[1:] == greeting.says[1:]
    asked = len(line.engine.sent)
    twice = line.silence()
    assert twice.says[0] == WORDS.still_not_heard and line.engine.sent[-1][1] == "menu"
    assert len(line.engine.sent) == asked + 1
    last = line.silence()
    assert last.hangs_up and last.text.count(ear(LOCAL.helpline.phone).rstrip(".")) == 2
    assert "Goodbye" in last.says[-1]


def test_speaking_resets_the_silences(line: Line) -> None:
    line.ring()
    line.silence()
    line.silence()
    line.say("hello")
    assert line.silence().says[0] == WORDS.not_heard


def test_repeat_slower_and_back_to_normal(line: Line) -> None:
    greeting = line.ring()
    answer = greeting.says[1:]  # the privacy notice is said once, not repeated
    assert line.press("*").says == answer
    assert line.say("Say that again.").says == answer
    slow = line.say("slower")
    assert slow.slow and slow.says[0] == WORDS.slower
    assert line.press("*").slow, "it stays slow"
    fast = line.say("normal speed")
    assert not fast.slow and fast.says[0] == WORDS.faster
    assert len(line.engine.sent) == 1, "none of these is a turn"


def test_a_spoken_postcode_is_read_back_and_sent_on_after_the_caller_s_1(line: Line) -> None:
    line.ring()
    check = line.say("L S nine, seven B G.")
    assert "Press 1 if that's right" in check.text and len(line.engine.sent) == 1
    line.engine.replies.append(VENUES)
    venues = line.press("1")
    assert line.engine.sent[-1][1] == "LS9 7BG"
    assert "Compton Centre" in venues.text and "Press 1 for More" in venues.text


def test_a_postcode_heard_wrong_is_asked_for_again(line: Line) -> None:
    line.ring()
    line.say("L S nine seven B G")
    again = line.press("2")
    assert again.says == [WORDS.postcode_again] and len(line.engine.sent) == 1


def test_text_me_sends_one_text_to_a_mobile_after_it_asks_and_keeps_no_number(line: Line) -> None:
    line.ring()
    line.engine.replies.append(VENUES)
    venues = line.say("LS9 7BG")
    venues = line.press("1")
    assert WORDS.text_offer in venues.says
    assert line.texts.sent == [], "nothing is sent before the caller says yes"
    sent = line.press("9")
    assert sent.says[0] == WORDS.texted and "Press 1 for More" in sent.text
    [(number, body)] = line.texts.sent
    assert number == MOBILE and "Compton Centre" in body and "0113 378 5005" in body
    assert line.say("text me").says[0] == WORDS.nothing_to_text, "one text for one answer"
    assert len(line.texts.sent) == 1
    kept = " ".join(value for _, value in line.state._entries.values())
    assert MOBILE not in kept and MOBILE.removeprefix("+") not in kept


def test_a_landline_is_not_offered_a_text_and_is_told_why(url: str) -> None:
    line, _ = build(url)
    line.number = LANDLINE
    with line.client:
        line.ring()
        line.engine.replies.append(VENUES)
        line.say("LS9 7BG")
        venues = line.press("1")
        assert WORDS.text_offer not in venues.says
        assert line.say("text me").says[0] == WORDS.not_a_mobile
        assert line.texts.sent == []


def test_a_withheld_number_is_a_conversation_for_that_call_only() -> None:
    fields = {"CallSid": "CA" + "1" * 32, "From": "anonymous"}
    caller = parse_caller(fields)  # type: ignore[arg-type]
    assert caller.number is None and caller.sender == "call:CA" + "1" * 32
    assert parse_caller({"CallSid": "CA" + "2" * 32, "From": "+266696687"}).number is None  # type: ignore[arg-type]
    assert parse_caller({"CallSid": "CA" + "2" * 32, "From": MOBILE}).sender == MOBILE  # type: ignore[arg-type]


def test_a_caller_who_hangs_up_while_asked_goes_on_there_next_call(line: Line) -> None:
    line.ring()
    line.engine.replies.append(QUESTION)
    asked = line.press("2")
    back = line.ring()  # hung up; rings again from the same number
    assert back.says[0] == WORDS.welcome_back and back.says[1:] == asked.says
    line.press("1")
    assert line.engine.sent[-1][1] == "1", "the answer goes to the same conversation"
    assert len({sender for sender, _, _ in line.engine.sent}) == 1


def test_a_call_ends_politely_after_its_set_length(url: str) -> None:
    line, _ = build(url, voice_max_call_minutes=10)
    with line.client:
        line.ring()
        line.clock.now += 9 * 60
        assert line.say("hello").gather is not None
        line.clock.now += 2 * 60
        line.engine.replies.append(QUESTION)
        last = line.say("how confident am I")
        assert last.hangs_up and last.says[-1] == WORDS.time_up
        assert "Question 2 of 8" in last.text or "Wi-Fi" in last.text, "the answer is said first"
        assert "Press 1" not in last.text
        assert "Welcome back" not in line.ring().text, "a call the bot ended starts afresh"


def test_forget_me_is_confirmed_on_the_keypad_then_the_call_ends_and_nothing_is_kept(line: Line) -> None:
    line.ring()
    line.engine.replies.append(
        EngineTurn(
            [
                {
                    "text": "Do you want me to delete your messages?",
                    "buttons": [
                        {"title": "Yes, delete", "payload": "/forget_confirm"},
                        {"title": "No, keep them", "payload": "/deny"},
                    ],
                }
            ]
        )
    )
    asked = line.say("forget me")
    assert "Press 1 for Yes, delete" in asked.text
    line.engine.replies.append(EngineTurn([{"text": "Deleting.", "custom": {"forget": True}}]))
    done = line.press("1")
    assert line.engine.sent[-1][1] == "/forget_confirm"
    assert done.hangs_up and ear(forgotten(LOCAL, 90)).split(".")[0] in done.text
    assert len(line.forgets) == 1
    assert not any(key.startswith(STATE) for key in line.state._entries)


def test_an_error_inside_is_an_apology_never_a_5xx(line: Line) -> None:
    async def broken(sender_id: str, text: str, channel: str) -> EngineTurn:
        raise RuntimeError("boom")

    line.engine.send = broken  # type: ignore[method-assign]
    answer = line.ring()
    assert answer.gather is not None and "Sorry" in answer.text


def test_stopping_the_channel_closes_its_text_sender(url: str) -> None:
    line, channel = build(url)
    asyncio.run(channel.stop())
    assert line.texts.closed
