"""Ringing the real bot: Twilio Voice's signed webhooks in, TwiML out, against the trained engine.

The gateway is built in-process (`create_app`) with the phone line on, pointed at the session's
engine and action server, and Starlette's TestClient posts what Twilio would during a call: the
call, then each Gather's result (SpeechResult or Digits, or nothing), signed with the auth token
for PUBLIC_BASE_URL + path. Every answer is read by tests/voice_twiml.py, which checks each
<Say>: under the spoken length, no link, no emoji. "Text me this" goes to a fake Twilio REST API.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.channels.voice.channel import CALL_PATH, GATHER_PATH
from bot.channels.voice.wording import load_wording
from bot.db.models import OutboundContact, OutboundMessage
from bot.db.session import session_scope
from bot.gateway.app import create_app
from bot.local import load_local
from bot.pseudonym import pseudonymise
from bot.settings import Settings, get_settings
from bot.stack import Stack
from bot.voice.ear import for_the_ear
from tests.e2e.conftest import in_process_gateway
from tests.fakes.twilio_api import FakeTwilioApi
from tests.voice_twiml import Answer, read

TOKEN = "voice-test-token"
PUBLIC = "https://bot.example.org"
LOCAL = load_local(get_settings().local_file)
WORDS = load_wording(get_settings().content_dir)
LINE = "+441134960000"
QUESTIONS = 8


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[FakeTwilioApi]:
    api = FakeTwilioApi(auth_token=TOKEN).start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def settings(stack: Stack, e2e_env: dict[str, str], twilio_api: FakeTwilioApi) -> Settings:
    return in_process_gateway(
        stack,
        e2e_env,
        outbound_keys=Fernet.generate_key().decode(),
        twilio_auth_token=TOKEN,
        public_base_url=PUBLIC,
        voice_number=LINE,
        twilio_account_sid=twilio_api.account_sid,
        twilio_from_number="+447700900999",
        twilio_api_base_url=twilio_api.base_url,
    )


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        # A first request opens the databases: on a busy machine that can pass the gateway's
        # deadline for recording a contact, and a test would miss its privacy notice.
        Phone(test_client, mobile()).ring()
        yield test_client


@dataclass
class Phone:
    """One caller's phone: a call has a CallSid; ringing again is a new one, from the same number."""

    client: TestClient
    number: str
    call: str = field(default_factory=lambda: f"CA{uuid.uuid4().hex}")

    def post(self, path: str, extra: dict[str, str], *, signature: str | None = None) -> httpx.Response:
        fields = {
            "CallSid": self.call,
            "AccountSid": "AC" + "0" * 32,
            "From": self.number,
            "To": LINE,
            "Direction": "inbound",
            "CallStatus": "in-progress",
            **extra,
        }
        if signature is None:
            signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, fields)
        return self.client.post(path, data=fields, headers={"X-Twilio-Signature": signature})

    def _answer(self, path: str, extra: dict[str, str]) -> Answer:
        response = self.post(path, extra)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] in ("text/xml", "application/xml")
        return read(response.content)

    def ring(self) -> Answer:
        """A call: the first answer."""
        return self._answer(CALL_PATH, {"CallStatus": "ringing"})

    def ring_again(self) -> Answer:
        self.call = f"CA{uuid.uuid4().hex}"
        return self.ring()

    def say(self, words: str) -> Answer:
        return self._answer(GATHER_PATH, {"SpeechResult": words, "Confidence": "0.91"})

    def press(self, key: str) -> Answer:
        return self._answer(GATHER_PATH, {"Digits": key})

    def silence(self) -> Answer:
        return self._answer(GATHER_PATH, {})


def mobile() -> str:
    return "+4477009" + f"{uuid.uuid4().int % 100_000:05d}"


def landline() -> str:
    return "+44113496" + f"{uuid.uuid4().int % 10_000:04d}"


@pytest.fixture
def phone(client: TestClient) -> Phone:
    return Phone(client, mobile())


def ear(text: str) -> str:
    return " ".join(for_the_ear(text).split())


def test_a_first_call_hears_the_privacy_notice_then_asks_a_question(phone: Phone) -> None:
    first = phone.ring()
    assert first.gather is not None
    notice = ear(WORDS.privacy_notice.replace("{days}", str(get_settings().retention_days)))
    assert notice.split(".")[0] in first.text, "the notice, said for the phone, at a first call"
    assert "Press 1 for Find help near me" in first.text and "just say it" in first.text
    answer = phone.say("how do I get free mobile data")
    assert "SIM" in answer.text
    assert "http" not in answer.text
    assert notice.split(".")[0] not in phone.ring_again().text, "only at the first call"


def stored_contacts(settings: Settings) -> int:
    """Contact details kept for later messages, by anyone (other tests share the database)."""
    with session_scope(settings.database_url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(OutboundContact)) or 0


def test_help_near_a_spoken_postcode_is_read_back_confirmed_and_texted_once(
    phone: Phone, twilio_api: FakeTwilioApi, settings: Settings
) -> None:
    contacts_before = stored_contacts(settings)
    phone.ring()
    check = phone.say("where can I get help with my computer near L S nine seven B G")
    assert "Press 1 if that's right" in check.text
    assert "L S 9" in check.text or "L S nine" in check.text, check.text
    venues = phone.press("1")
    assert "miles" in venues.text, venues.text
    assert "Press 1 for More" in venues.text
    assert "Press 9, or say text me" in venues.text, "a mobile caller is offered the details by text"

    mark = twilio_api.mark()
    sent = phone.say("text me")
    assert "I've sent you one text" in sent.text
    [text] = twilio_api.sent_to(phone.number, mark)
    assert "LS9 7BG" in text.body and "miles" in text.body
    assert text.status_callback is None
    again = phone.press("9")  # one text for one answer
    assert "nothing to text" in again.text
    assert twilio_api.sent_to(phone.number, mark) == [text]

    conversation = pseudonymise(settings.pseudonym_secret, "voice", phone.number)
    assert stored_contacts(settings) == contacts_before, "the caller's number was not kept"
    with session_scope(settings.database_url) as session:
        kept = session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboundMessage)
            .where(OutboundMessage.conversation_id == conversation)
        )
        assert kept == 0, "nothing about the text is stored"


def test_a_landline_is_never_offered_a_text(client: TestClient, twilio_api: FakeTwilioApi) -> None:
    caller = Phone(client, landline())
    caller.ring()
    caller.say("LS9 7BG")
    venues = caller.press("1")
    assert "miles" in venues.text
    assert "text me" not in venues.text
    mark = twilio_api.mark()
    refused = caller.say("text me")
    assert "only send texts to a mobile" in refused.text
    assert twilio_api.sent_to(caller.number, mark) == []


def question(answer: Answer, number: int) -> bool:
    return (
        f"Question {number} of {QUESTIONS}" in answer.text
        or ear(f"Question {number} of {QUESTIONS}:") in answer.text
    )


def test_the_confidence_check_by_keypad_and_a_caller_who_hangs_up_goes_on_next_call(phone: Phone) -> None:
    phone.ring()
    first = phone.press("2")  # Check my confidence
    assert question(first, 1), first.text
    assert "press 4 for Never tried" in first.text
    second = phone.press("1")
    assert question(second, 2), second.text

    back = phone.ring_again()  # hung up mid-check: the same number rings again
    assert "Welcome back" in back.text
    assert question(back, 2), back.text
    answer = back
    for number in range(2, QUESTIONS + 1):
        answer = phone.press(str(1 + number % 4))
        if number < QUESTIONS:
            assert question(answer, number + 1), (number, answer.text)
    assert not question(answer, QUESTIONS) and answer.gather is not None
    assert "Your result" in answer.text, answer.text


def test_a_forged_call_is_refused(phone: Phone) -> None:
    assert phone.post(CALL_PATH, {}, signature="forged").status_code == 403
    assert phone.post(GATHER_PATH, {"Digits": "1"}, signature="forged").status_code == 403
    assert phone.post(CALL_PATH, {}, signature="").status_code == 403


def test_a_silent_caller_is_asked_again_offered_the_menu_then_given_the_helpline_and_goodbye(
    phone: Phone,
) -> None:
    phone.ring()
    once = phone.silence()
    assert "didn't catch that" in once.text and once.gather is not None
    twice = phone.silence()
    assert "still can't hear you" in twice.text and "Press 1 for Find help near me" in twice.text
    last = phone.silence()
    assert last.hangs_up and last.gather is None
    assert last.text.count(ear(LOCAL.helpline.phone).rstrip(".")) == 2, last.text
    assert last.text.rstrip(".").endswith("Goodbye")


def test_star_repeats_hash_is_the_menu_and_slower_slows_the_voice(phone: Phone) -> None:
    greeting = phone.ring()
    menu_line = next(say for say in greeting.says if "Press 1" in say)
    repeated = phone.press("*")
    assert menu_line in repeated.says
    slower = phone.say("slower please")
    assert slower.slow and menu_line in slower.says
    menu = phone.press("#")
    assert menu.slow and "press 3 for Ask a question" in menu.text


def test_forget_me_by_voice_with_a_keypad_confirmation(phone: Phone) -> None:
    phone.ring()
    asked = phone.say("forget me")
    assert "Press 1 for Yes, delete" in asked.text
    done = phone.press("1")
    assert done.hangs_up and "deleted" in done.text
    again = phone.ring_again()
    assert "Welcome back" not in again.text
