"""Closing the loop end to end: find help, ask for a reminder, consent, the clock moved on
(`python -m bot messages send-due --now ...`: the dispatcher's own code, no sleeping), the
reminder on the fake Telegram Bot API and the fake Twilio API, the follow-up through the
engine (trigger_intent) and its answers; cancel and forget me leave nothing behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.db.models import Booking, MessageStatus, OutboundContact, OutboundMessage
from bot.db.session import session_scope
from bot.pseudonym import pseudonymise
from bot.settings import ROOT
from bot.stack import Stack
from tests.e2e.conftest import E2E_SECRET, in_process_gateway
from tests.e2e.telegram_fixtures import TOKEN, TelegramGateway, start_gateway
from tests.e2e.test_sms import PUBLIC, Phone, new_number
from tests.e2e.test_sms import TOKEN as SMS_TOKEN
from tests.e2e.test_telegram import answers, has_buttons, has_text, say, texts
from tests.fakes.telegram_api import Call, TelegramUser
from tests.fakes.twilio_api import FakeTwilioApi

LONDON = ZoneInfo("Europe/London")
# A public deployment (PUBLIC_BASE_URL set, as the SMS webhook needs) must have its own key.
OUTBOUND_KEY = Fernet.generate_key().decode()
WHERE = "help near LS1 3AB"


@pytest.fixture(scope="module")
def telegram(
    stack: Stack, e2e_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TelegramGateway]:
    gateway = start_gateway("polling", stack, e2e_env, tmp_path_factory.mktemp("loop-telegram"))
    try:
        yield gateway
    finally:
        gateway.stop()
        gateway.fake.stop()


def conversation_of(user: TelegramUser) -> str:
    return pseudonymise(E2E_SECRET, "telegram", str(user.id))


def pending(url: str, conversation: str) -> list[OutboundMessage]:
    with session_scope(url) as session:
        return list(
            session.scalars(
                select(OutboundMessage)
                .where(
                    OutboundMessage.conversation_id == conversation,
                    OutboundMessage.status == MessageStatus.PENDING.value,
                )
                .order_by(OutboundMessage.due_at)
            )
        )


def contact_of(url: str, conversation: str, timeout: float = 15) -> OutboundContact | None:
    """The gateway saves the contact just after the engine's turn: wait for it a moment."""
    deadline = time.monotonic() + timeout
    while True:
        with session_scope(url) as session:
            row = session.scalars(
                select(OutboundContact).where(OutboundContact.conversation_id == conversation)
            ).first()
        if row is not None or time.monotonic() > deadline:
            return row
        time.sleep(0.2)


def send_due(env: dict[str, str], when: datetime) -> str:
    """The operators' command, at a moment of the test's choosing (local time)."""
    local = when.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "messages", "send-due", "--now", local],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def telegram_env(stack: Stack, e2e_env: dict[str, str], telegram: TelegramGateway) -> dict[str, str]:
    return {
        **e2e_env,
        "ENGINE_URL": stack.ports.engine_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": telegram.fake.base_url,
        "TELEGRAM_BOT_USERNAME": telegram.fake.username,
    }


def press(telegram: TelegramGateway, user: TelegramUser, title: str, until: str) -> None:
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.press(user, title))
    telegram.fake.wait_until(has_text(user, until), mark)


CANCEL_ANY_TIME = "You can cancel at any time."


def reminded_on_telegram(telegram: TelegramGateway, user: TelegramUser, yes: str = "yes") -> list[Call]:
    """Find help, ask for a reminder, press the first place's button, say yes."""
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.message(user, WHERE))
    telegram.fake.wait_until(has_buttons(user, "Remind me"), mark)
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.press(user, "Remind me"))
    calls = telegram.fake.wait_until(has_text(user, "Which session would you like a reminder for?"), mark)
    which = next(c for c in answers(calls, user) if "Which session" in (c.text or ""))
    first = which.button_titles()[0]
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.press(user, first))  # "Remind me: <place>" carries which one
    calls = telegram.fake.wait_until(has_text(user, CANCEL_ANY_TIME), mark)
    offer = next(t for t in texts(calls, user) if CANCEL_ANY_TIME in t)
    assert "I can send you 2 messages: a reminder the day before (" in offer
    assert first in offer, "the place pressed, not a question again"
    return say(telegram, user, yes, "Done. I'll send you")


def test_telegram_reminder_then_follow_up_answered_no_offers_another_session(
    telegram: TelegramGateway, stack: Stack, e2e_env: dict[str, str]
) -> None:
    user = telegram.new_user()
    url = e2e_env["DATABASE_URL"]
    reminded_on_telegram(telegram, user)
    conversation = conversation_of(user)
    contact = contact_of(url, conversation)
    assert contact is not None and str(user.id) not in contact.address_encrypted
    due = pending(url, conversation)
    assert [m.kind for m in due] == ["reminder", "followup"]
    assert all(m.contact_id == contact.id for m in due)

    env = telegram_env(stack, e2e_env, telegram)
    mark = telegram.fake.mark()
    send_due(env, due[0].due_at + timedelta(minutes=1))
    calls = telegram.fake.wait_until(has_text(user, "Reminder:"), mark)
    reminder = next(t for t in texts(calls, user) if t.startswith("Reminder:"))
    assert "Questions? Call" in reminder

    mark = telegram.fake.mark()
    send_due(env, due[1].due_at + timedelta(minutes=1))
    calls = telegram.fake.wait_until(has_text(user, "Did you make it to"), mark)
    calls = say(telegram, user, "no", "a champion can ring you back")
    answer = next(t for t in texts(calls, user) if "a champion can ring you back" in t)
    assert "The next one is" in answer or "Or there's" in answer
    with session_scope(url) as session:
        assert (
            session.scalars(select(Booking.status).where(Booking.conversation_id == conversation)).one()
            == "did_not_come"
        )


def test_telegram_follow_up_answered_yes_leads_to_the_retake_offer(
    telegram: TelegramGateway, stack: Stack, e2e_env: dict[str, str]
) -> None:
    user = telegram.new_user()
    url = e2e_env["DATABASE_URL"]
    reminded_on_telegram(telegram, user)
    conversation = conversation_of(user)
    assert contact_of(url, conversation) is not None
    followup = next(m for m in pending(url, conversation) if m.kind == "followup")
    mark = telegram.fake.mark()
    send_due(telegram_env(stack, e2e_env, telegram), followup.due_at + timedelta(minutes=1))
    telegram.fake.wait_until(has_text(user, "Did you make it to"), mark)
    press(telegram, user, "Yes", "How was it?")
    say(telegram, user, "4", "check your confidence again in four weeks")
    say(telegram, user, "yes", "I'll message you on")
    assert "retake_invite" in [m.kind for m in pending(url, conversation)]


def test_telegram_cancel_and_forget_me_leave_nothing_pending_and_no_address(
    telegram: TelegramGateway, e2e_env: dict[str, str]
) -> None:
    url = e2e_env["DATABASE_URL"]
    cancelling, forgetting = telegram.new_user(), telegram.new_user()
    for user in (cancelling, forgetting):
        reminded_on_telegram(telegram, user)
        assert contact_of(url, conversation_of(user)) is not None

    say(telegram, cancelling, "cancel", "I've cancelled 2 messages and 1 booking")
    assert pending(url, conversation_of(cancelling)) == []
    assert contact_of(url, conversation_of(cancelling), timeout=2) is None

    say(telegram, forgetting, "/forget", "delete your messages")
    press(telegram, forgetting, "Yes, delete", "deleted your messages")
    conversation = conversation_of(forgetting)
    assert pending(url, conversation) == []
    assert contact_of(url, conversation, timeout=2) is None
    with session_scope(url) as session:
        assert session.scalars(select(Booking).where(Booking.conversation_id == conversation)).first() is None


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilioApi]:
    fake = FakeTwilioApi(auth_token=SMS_TOKEN)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def sms_env(stack: Stack, e2e_env: dict[str, str], twilio: FakeTwilioApi) -> dict[str, str]:
    return {
        **e2e_env,
        "ENGINE_URL": stack.ports.engine_url,
        "TWILIO_AUTH_TOKEN": SMS_TOKEN,
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_FROM_NUMBER": "+447700900999",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "PUBLIC_BASE_URL": PUBLIC,
        "OUTBOUND_KEYS": OUTBOUND_KEY,
        "ENGINE_AUTH_TOKEN": stack.engine_auth_token,
    }


@pytest.fixture(scope="module")
def sms_phone(stack: Stack, e2e_env: dict[str, str], twilio: FakeTwilioApi) -> Iterator[Phone]:
    from starlette.testclient import TestClient

    from bot.gateway.app import create_app

    settings = in_process_gateway(
        stack,
        e2e_env,
        twilio_auth_token=SMS_TOKEN,
        twilio_account_sid=twilio.account_sid,
        twilio_from_number="+447700900999",
        twilio_api_base_url=twilio.base_url,
        public_base_url=PUBLIC,
        outbound_keys=OUTBOUND_KEY,
    )
    with TestClient(create_app(settings)) as client:
        yield Phone(client, new_number())


def test_sms_reminder_arrives_as_a_text_within_two_segments(
    sms_phone: Phone, stack: Stack, e2e_env: dict[str, str], twilio: FakeTwilioApi
) -> None:
    from bot.channels.sms.render import segments

    url = e2e_env["DATABASE_URL"]
    assert "Reply with a number" in (sms_phone.text(WHERE) or "")
    which = sms_phone.text("remind me") or ""
    assert "Which session would you like a reminder for?" in which
    offer = sms_phone.text("1") or ""
    assert "You can cancel at any time." in offer, offer
    done = sms_phone.text("yes") or ""
    assert "Done. I'll send you" in done, done
    conversation = pseudonymise(E2E_SECRET, "sms", sms_phone.number)
    assert contact_of(url, conversation) is not None
    reminder = next(m for m in pending(url, conversation) if m.kind == "reminder")
    send_due(sms_env(stack, e2e_env, twilio), reminder.due_at + timedelta(minutes=1))
    sent = [t for t in twilio.texts if t.to == sms_phone.number]
    assert len(sent) == 1 and sent[0].body.startswith("Reminder:")
    assert segments(sent[0].body) <= 2, sent[0].body
    assert "Reply CANCEL" in sent[0].body


def test_sms_a_number_typed_after_the_follow_up_sent_by_the_cli_is_its_option(
    sms_phone: Phone, stack: Stack, e2e_env: dict[str, str], twilio: FakeTwilioApi
) -> None:
    """The CLI shares no state with the gateway (no Redis here): "3" still means its third option."""
    phone = Phone(sms_phone.client, new_number())
    url = e2e_env["DATABASE_URL"]
    phone.text(WHERE)
    phone.text("remind me")
    phone.text("1")
    assert "Done. I'll send you" in (phone.text("yes") or "")
    conversation = pseudonymise(E2E_SECRET, "sms", phone.number)
    followup = next(m for m in pending(url, conversation) if m.kind == "followup")
    send_due(sms_env(stack, e2e_env, twilio), followup.due_at + timedelta(minutes=1))
    [asked] = [t for t in twilio.texts if t.to == phone.number and "Did you make it to" in t.body]
    assert "3" in asked.body and "I couldn't get there" in asked.body, asked.body
    answer = phone.text("3") or ""
    assert "Sorry you couldn't get there." in answer, answer


def test_the_web_chat_gets_a_calendar_file_it_can_open(resident: Any, gateway_url: str) -> None:
    import httpx

    resident.say(WHERE)
    said = resident.text(resident.say("remind me about 1"))
    assert "I can't send reminders to this web chat" in said
    link = next(word for word in said.split() if word.startswith("/calendar/") and word.endswith(".ics"))
    response = httpx.get(gateway_url + link, timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    body = response.text
    assert "BEGIN:VEVENT" in body and "TZID=Europe/London" in body and "LOCATION:" in body
    page = httpx.get(gateway_url + link.removesuffix(".ics"), timeout=10)
    assert page.status_code == 200 and "Print this page" in page.text
    assert httpx.get(gateway_url + "/calendar/not-a-token.ics", timeout=10).status_code == 404


def test_telegram_the_reminder_on_the_day_is_chosen_with_its_button_or_said_to_be_impossible(
    telegram: TelegramGateway, e2e_env: dict[str, str]
) -> None:
    user = telegram.new_user()
    url = e2e_env["DATABASE_URL"]
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.message(user, WHERE))
    telegram.fake.wait_until(has_buttons(user, "Remind me"), mark)
    press(telegram, user, "Remind me", "Which session would you like a reminder for?")
    calls = say(telegram, user, "remind me about 1", CANCEL_ANY_TIME)
    offer = next(c for c in answers(calls, user) if CANCEL_ANY_TIME in c.text)
    choice = [title for title in offer.button_titles() if title.startswith("Yes, and")]
    if not choice:  # the session starts too early in the morning for one on the day
        assert "I can't remind you 2 hours before: I don't send messages between 9pm and 9am." in offer.text
        return
    press(telegram, user, choice[0], "Done. I'll send you 3 messages")
    kinds = [m.kind for m in pending(url, conversation_of(user))]
    assert kinds == ["reminder", "reminder_soon", "followup"]


def test_telegram_a_confidence_check_ends_with_the_offer_to_invite_again_in_four_weeks(
    telegram: TelegramGateway, e2e_env: dict[str, str]
) -> None:
    user = telegram.new_user()
    url = e2e_env["DATABASE_URL"]

    def asked(calls: list[Call]) -> bool:
        return any("Question" in t or "Shall I invite you" in t for t in texts(calls, user))

    mark = telegram.fake.mark()
    telegram.send(telegram.fake.message(user, "check my confidence"))
    telegram.fake.wait_until(asked, mark)
    for _ in range(20):  # one answer a question, until the result
        mark = telegram.fake.mark()
        telegram.send(telegram.fake.message(user, "3"))
        calls = telegram.fake.wait_until(asked, mark)
        if any("Shall I invite you" in t for t in texts(calls, user)):
            break
    else:
        raise AssertionError("the check never ended with the offer")
    assert any(t.startswith("Your result:") for t in texts(calls, user))
    assert pending(url, conversation_of(user)) == [], "nothing without a yes"
    say(telegram, user, "yes", "I'll message you on")
    [invite] = pending(url, conversation_of(user))
    assert invite.kind == "retake_invite" and contact_of(url, conversation_of(user)) is not None
