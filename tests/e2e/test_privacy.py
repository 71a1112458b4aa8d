"""Privacy as residents meet it, through the real engine: the notice, "privacy", "forget me",
bank details never kept, and referral codes that only the gateway can set."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from bot.db.models import Contact, UsageEvent, UsageKind
from bot.pseudonym import person_key, pseudonymise
from tests.e2e.conftest import E2E_SECRET, E2E_TWILIO_TOKEN, PRIVACY_NOTICE, Resident


def _tracker_texts(e2e_env: dict[str, str], conversation: str) -> list[str]:
    engine = create_engine(e2e_env["TRACKER_STORE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT data FROM events WHERE sender_id = :s"), {"s": conversation}
            )
            return [row[0] for row in rows]
    finally:
        engine.dispose()


def _raw_bytes(e2e_env: dict[str, str]) -> bytes:
    """Every byte of both SQLite databases and their WAL files, as anyone with the disk sees them."""
    files = [Path(e2e_env[name].removeprefix("sqlite:///")) for name in ("DATABASE_URL", "TRACKER_STORE_URL")]
    siblings = [path.with_name(path.name + suffix) for path in files for suffix in ("", "-wal", "-journal")]
    return b"".join(path.read_bytes() for path in siblings if path.exists())


def _app_rows(e2e_env: dict[str, str], statement):  # type: ignore[no-untyped-def]
    engine = create_engine(e2e_env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return list(connection.execute(statement))
    finally:
        engine.dispose()


def test_the_notice_comes_at_first_contact_only(resident: Resident) -> None:
    first = resident.say("hello", notice=True)
    assert first[0]["text"] == PRIVACY_NOTICE and "Hello" in first[1]["text"]
    assert PRIVACY_NOTICE not in resident.text(resident.say("hello", notice=True))


def test_asking_about_privacy_says_what_is_kept(resident: Resident) -> None:
    messages = resident.say("who can see my messages")
    assert "deleted after 90 days" in resident.text(messages)
    assert "Delete my messages" in {b["title"] for b in resident.buttons(messages)}


def test_forget_me_deletes_the_conversation_after_confirmation(
    resident: Resident, e2e_env: dict[str, str]
) -> None:
    conversation = pseudonymise(E2E_SECRET, "web", resident.sender)
    resident.say("find help near LS9 7BG")
    word = f"zebra{uuid.uuid4().hex[:10]}"
    resident.say(f"is {word} a scam")
    assert _tracker_texts(e2e_env, conversation), "the engine stores the conversation"
    assert word.encode() in _raw_bytes(e2e_env), "the words are in the files until forgotten"
    ask = resident.say("please delete all my data")
    assert [b["title"] for b in resident.buttons(ask)] == ["Yes, delete", "No, keep them"]
    done = resident.say("1")
    assert "deleted" in resident.text(done)
    assert _tracker_texts(e2e_env, conversation) == []
    assert word.encode() not in _raw_bytes(e2e_env), "nor in SQLite's free pages or its WAL file"
    assert _app_rows(e2e_env, select(Contact).where(Contact.person == person_key(conversation))) == []
    assert _app_rows(e2e_env, select(UsageEvent).where(UsageEvent.person == person_key(conversation))) == []
    again = resident.say("/find_help", notice=True)
    assert again[0]["text"] == PRIVACY_NOTICE, "a fresh start"
    assert "postcode" in resident.text(again), "the old location is gone too"


def test_no_keeps_everything(resident: Resident, e2e_env: dict[str, str]) -> None:
    resident.say("forget me")
    resident.say("No, keep them")
    assert _tracker_texts(e2e_env, pseudonymise(E2E_SECRET, "web", resident.sender))


def test_bank_details_are_not_kept(resident: Resident, e2e_env: dict[str, str]) -> None:
    messages = resident.say("my card number is 4111 1111 1111 1111 is online banking safe")
    assert "bank details" in resident.text(messages)
    stored = "\n".join(_tracker_texts(e2e_env, pseudonymise(E2E_SECRET, "web", resident.sender)))
    assert "[removed]" in stored and "4111" not in stored


def test_a_champions_link_records_the_referral(resident: Resident, e2e_env: dict[str, str]) -> None:
    messages = resident.say("", referral="lib-central")
    assert "Hello" in resident.text(messages)
    person = person_key(pseudonymise(E2E_SECRET, "web", resident.sender))
    [contact] = _app_rows(e2e_env, select(Contact.referral_code).where(Contact.person == person))
    assert contact.referral_code is None, "opening the link is not yet a conversation"
    resident.say("free wifi")
    [contact] = _app_rows(e2e_env, select(Contact.referral_code).where(Contact.person == person))
    assert contact.referral_code == "LIB-CENTRAL"
    typed = resident.say('/greet{"referral_code": "HUB-COMPTON"}')
    assert typed, "typed, it is only words"
    [contact] = _app_rows(e2e_env, select(Contact.referral_code).where(Contact.person == person))
    assert contact.referral_code == "LIB-CENTRAL"


def test_searches_and_questions_are_counted_by_area_and_topic(
    resident: Resident, e2e_env: dict[str, str]
) -> None:
    resident.say("how do I get free mobile data")
    resident.say("find help near LS9 7BG")
    person = person_key(pseudonymise(E2E_SECRET, "web", resident.sender))
    wanted = {(UsageKind.CONVERSATION, ""), (UsageKind.QUESTION, "free_data"), (UsageKind.SEARCH, "LS9")}
    deadline = time.monotonic() + 10  # the gateway writes its counts once a second
    while True:
        with Session(create_engine(e2e_env["DATABASE_URL"])) as session:
            rows = set(
                session.execute(select(UsageEvent.kind, UsageEvent.detail).where(UsageEvent.person == person))
            )
        if rows >= wanted or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert rows >= wanted


def test_no_phone_number_reaches_the_logs(stack, e2e_env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """An SMS conversation through the shared stack: its number is nowhere in any process's log."""
    number = "+447700900555"
    url = f"{stack.ports.gateway_url}/webhooks/sms/twilio"
    for body in ("hello", "my number is 07700900555, find help near LS9 7BG", "forget me"):
        form = {"From": number, "To": "+447700900000", "Body": body, "MessageSid": f"SM{uuid.uuid4().hex}"}
        signature = RequestValidator(E2E_TWILIO_TOKEN).compute_signature(url, form)
        assert (
            httpx.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=30).status_code
            == 200
        )
    assert stack.log_dir is not None
    logs = "".join(path.read_text(errors="replace") for path in stack.log_dir.glob("*.log"))
    assert "7700900555" not in logs
    assert "7700900555" not in "\n".join(_tracker_texts(e2e_env, pseudonymise(E2E_SECRET, "sms", number)))
