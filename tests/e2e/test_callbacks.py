"""Call backs end to end on the real stack: asked for on the web chat, by signed SMS and on
Telegram (fake Bot API); the number checked by the gateway, kept encrypted with the request and
never in the engine's tracker; status and cancel; and the safe route for held-out messages of
someone being scammed now or in distress, while an ordinary scam question gets the KB answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.models import CallbackRequest, OutboundMessage
from bot.db.session import session_scope
from bot.gateway.app import create_app
from bot.outbound import ContactCipher
from bot.pseudonym import pseudonymise
from bot.settings import ROOT, get_settings
from bot.stack import Stack
from tests.e2e.conftest import E2E_SECRET, Resident, in_process_gateway
from tests.e2e.telegram_fixtures import TelegramGateway, start_gateway
from tests.e2e.test_loop import send_due, telegram_env
from tests.e2e.test_sms import PUBLIC, TOKEN, Phone
from tests.e2e.test_telegram import has_text, say, texts
from tests.fakes.telegram_api import TelegramUser

HOLDOUT = yaml.safe_load((ROOT / "tests" / "nlu" / "holdout.yml").read_text())["nlu"]
SAFE_STEPS = ("Hang up", "159", "0300 123 2040")


def held_out(intent: str) -> list[str]:
    block = next(item for item in HOLDOUT if item["intent"] == intent)
    return [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]


def cipher() -> ContactCipher:
    # The stack's processes and the in-process SMS gateway share this checkout's key (var/).
    return ContactCipher(get_settings().outbound_key_list)


def requests_of(database_url: str, conversation: str) -> list[CallbackRequest]:
    with session_scope(database_url) as session:
        found = list(
            session.scalars(
                select(CallbackRequest)
                .where(CallbackRequest.conversation_id == conversation)
                .order_by(CallbackRequest.id)
            )
        )
        session.expunge_all()
        return found


def tracker_text(tracker_store_url: str, conversation: str) -> str:
    engine = sa.create_engine(tracker_store_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :sender"), {"sender": conversation}
            )
            return "\n".join(str(row[0]) for row in rows)
    finally:
        engine.dispose()


def titles(messages: list[dict[str, Any]]) -> list[str]:
    return [b["title"] for b in Resident.buttons(messages)]


def test_web_chat_call_back_from_asking_to_cancelling_twice(
    resident: Resident, e2e_env: dict[str, str]
) -> None:
    offer = resident.say("can someone ring me back please")
    assert "Yes, ring me back" in titles(offer)
    assert "ring you back, within 2 working days" in Resident.text(offer)

    topic = resident.say("yes")
    assert "What would you like help with?" in Resident.text(topic) and "Skip" in titles(topic)
    when = resident.say("setting up my new tablet")
    assert titles(when) == ["Mornings", "Afternoons", "Evenings", "Any time"]
    name = resident.say("Evenings")
    assert "first name" in Resident.text(name)
    consent = resident.say("Margaret")
    assert "number and first name" in Resident.text(consent) and "90 days" in Resident.text(consent)
    number = resident.say("yes")
    assert "What number should the champion ring?" in Resident.text(number)

    # Bad input: clear replies, the question again, nothing kept.
    assert "doesn't look like a phone number" in Resident.text(resident.say("123 456 7"))
    assert "only ring UK numbers" in Resident.text(resident.say("+33 1 23 45 67 89"))
    assert "can't ring that kind of number" in Resident.text(resident.say("09098 790123"))
    conversation = pseudonymise(E2E_SECRET, "web", resident.sender)
    assert requests_of(e2e_env["DATABASE_URL"], conversation) == []

    saved = Resident.text(resident.say("07400 123456"))
    assert "A champion will call you within 2 working days" in saved
    assert "from a number starting 0113" in saved
    [request] = requests_of(e2e_env["DATABASE_URL"], conversation)
    assert request.status == "new" and request.preferred_time == "evenings"
    assert request.topic == "setting up my new tablet" and request.phone_kind == "mobile"
    assert cipher().decrypt(request.phone_encrypted or "") == "+447400123456"
    assert cipher().decrypt(request.name_encrypted or "") == "Margaret"
    events = tracker_text(e2e_env["TRACKER_STORE_URL"], conversation)
    assert "07400" not in events and "7400123456" not in events and "33 1 23" not in events

    status = Resident.text(resident.say("has anyone called me yet?"))
    assert "Your call back is waiting" in status

    assert "cancelled your call back" in Resident.text(resident.say("cancel my call back"))
    [cancelled] = requests_of(e2e_env["DATABASE_URL"], conversation)
    assert (
        cancelled.status == "cancelled"
        and cancelled.phone_encrypted is None
        and cancelled.name_encrypted is None
    )
    assert "no call back to cancel" in Resident.text(resident.say("cancel my call back"))


def test_a_question_mid_form_is_answered_and_the_form_goes_on(resident: Resident) -> None:
    resident.say("I want to talk to a real person")
    assert "What would you like help with?" in Resident.text(resident.say("yes"))
    aside = Resident.text(resident.say("how do I spot a scam text?"))
    assert "7726" in aside  # the knowledge base's short answer on scams
    assert "back to your call back" in aside and "What would you like help with?" in aside
    assert "When is best to ring you?" in Resident.text(resident.say("Scams"))


def test_stop_mid_form_and_no_consent_keep_nothing(resident: Resident, e2e_env: dict[str, str]) -> None:
    conversation = pseudonymise(E2E_SECRET, "web", resident.sender)
    resident.say("please call me back")
    resident.say("yes")
    assert "Nothing was kept" in Resident.text(resident.say("stop"))
    resident.say("please call me back")
    resident.say("yes")
    resident.say("skip")
    resident.say("Any time")
    resident.say("skip")
    assert "haven't kept anything" in Resident.text(resident.say("no"))
    assert requests_of(e2e_env["DATABASE_URL"], conversation) == []


@pytest.mark.parametrize("intent", ["scam_in_progress", "distress"])
def test_held_out_messages_of_someone_at_risk_get_the_safe_steps_first(gateway_url: str, intent: str) -> None:
    missed = []
    for message in held_out(intent):
        resident = Resident(gateway_url, f"web-{uuid.uuid4().hex}")
        replies = resident.say(message)
        first = replies[0].get("text", "")
        expected = SAFE_STEPS if intent == "scam_in_progress" else ("999", "116 123")
        if not all(part in first for part in expected) or "Yes, ring me back" not in titles(replies):
            missed.append(message)
    # The held-out set is not in training (docs/nlu-report.md has the figures): at least 12 of 15
    # reach the safe route at once (measured: scam 12/15, distress 13/15). A miss gets the
    # fallback or out-of-scope answer, which offers the menu and a person, never a form.
    assert len(missed) <= 3, missed


def test_the_priority_call_back_from_the_safe_route(resident: Resident, e2e_env: dict[str, str]) -> None:
    conversation = pseudonymise(E2E_SECRET, "web", resident.sender)
    first = resident.say("he's on the phone now and wants my pin")
    assert all(part in first[0]["text"] for part in SAFE_STEPS)
    for answer in ("Yes, ring me back", "Scams", "Any time", "skip", "yes"):
        resident.say(answer)
    saved = Resident.text(resident.say("0113 496 0000"))
    assert "as soon as they can" in saved
    [request] = requests_of(e2e_env["DATABASE_URL"], conversation)
    assert request.priority and request.reason == "scam" and request.phone_kind == "landline"


@pytest.mark.parametrize(
    "question", ["how do i spot a scam text", "how to spot scams", "i got a strange text", "fraud text"]
)
def test_an_ordinary_scam_question_gets_the_knowledge_base_answer(resident: Resident, question: str) -> None:
    answer = Resident.text(resident.say(question))
    assert "7726" in answer and "Hang up, or stop replying" not in answer


# --- SMS: "this number?" ---


@pytest.fixture(scope="module")
def sms_client(stack: Stack, e2e_env: dict[str, str]) -> Iterator[TestClient]:
    settings = in_process_gateway(
        stack,
        e2e_env,
        outbound_keys=get_settings().outbound_keys,
        twilio_auth_token=TOKEN,
        public_base_url=PUBLIC,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def sms_number() -> str:
    return "+447400" + f"{uuid.uuid4().int % 1_000_000:06d}"


def test_sms_call_back_to_this_number(sms_client: TestClient, e2e_env: dict[str, str]) -> None:
    phone = Phone(sms_client, sms_number())
    offer = phone.text("can someone phone me")
    assert offer is not None and "Yes, ring me back" in offer
    assert "What would you like help with?" in (phone.text("1") or "")  # option 1: yes, ring me back
    phone.text("skip")
    phone.text("Mornings")
    phone.text("skip")
    assert "this number" in (phone.text("yes") or "")
    saved = phone.text("yes") or ""
    assert "A champion will call you within 2 working days" in saved
    conversation = pseudonymise(E2E_SECRET, "sms", phone.number)
    [request] = requests_of(e2e_env["DATABASE_URL"], conversation)
    assert cipher().decrypt(request.phone_encrypted or "") == phone.number
    assert request.name_encrypted is None and request.topic == ""


def test_sms_another_number_a_landline_and_bad_input(sms_client: TestClient, e2e_env: dict[str, str]) -> None:
    phone = Phone(sms_client, sms_number())
    phone.text("i'd like a call back")
    for answer in ("1", "Online banking", "Afternoons", "Pat", "yes"):
        phone.text(answer)
    assert "Which number should they ring instead?" in (phone.text("no") or "")
    assert "doesn't look like a phone number" in (phone.text("0113 22") or "")
    assert "only ring UK numbers" in (phone.text("+1 202 555 0143") or "")
    said = phone.text("0113 222 4444") or ""
    assert "ring that landline" in said and "texts about your call back still come to this number" in said
    conversation = pseudonymise(E2E_SECRET, "sms", phone.number)
    [request] = requests_of(e2e_env["DATABASE_URL"], conversation)
    assert (
        cipher().decrypt(request.phone_encrypted or "") == "+441132224444"
        and request.phone_kind == "landline"
    )


# --- Telegram (fake Bot API) ---


@pytest.fixture(scope="module")
def telegram(
    stack: Stack, e2e_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TelegramGateway]:
    gateway = start_gateway("polling", stack, e2e_env, Path(tmp_path_factory.mktemp("callback-telegram")))
    try:
        yield gateway
    finally:
        gateway.stop()
        gateway.fake.stop()


def test_telegram_call_back_typed_and_checked(
    telegram: TelegramGateway, e2e_env: dict[str, str], stack: Stack
) -> None:
    user: TelegramUser = telegram.new_user()
    say(telegram, user, "can i speak to a human", "ring you back, within 2 working days")
    say(telegram, user, "yes", "What would you like help with?")
    say(telegram, user, "my email", "When is best to ring you?")
    say(telegram, user, "Any time", "first name")
    say(telegram, user, "skip", "Is that OK?")
    say(telegram, user, "yes", "What number should the champion ring?")
    say(telegram, user, "not sure", "doesn't look like a phone number")
    calls = say(telegram, user, "07400 654321", "A champion will call you")
    assert any("from a number starting 0113" in text for text in texts(calls, user))
    conversation = pseudonymise(E2E_SECRET, "telegram", str(user.id))
    [request] = requests_of(e2e_env["DATABASE_URL"], conversation)
    assert cipher().decrypt(request.phone_encrypted or "") == "+447400654321"
    assert "7400654321" not in tracker_text(e2e_env["TRACKER_STORE_URL"], conversation)

    # Not rung by the promised time: told kindly through the outbound messages (the dispatcher
    # run as operators run it, at a moment after the due time; never at night).
    with session_scope(e2e_env["DATABASE_URL"]) as session:
        [notice] = session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.conversation_id == conversation, OutboundMessage.kind == "callback_overdue"
            )
        ).all()
        assert notice.status == "pending" and notice.contact_id is not None
    mark = telegram.fake.mark()
    send_due(telegram_env(stack, e2e_env, telegram), request.due_at + timedelta(minutes=1))
    calls = telegram.fake.wait_until(has_text(user, "taking longer than we said"), mark)
    assert any("0113 222 4444" in text for text in texts(calls, user))
