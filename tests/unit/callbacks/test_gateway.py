"""The gateway's part: a typed number is checked and never sent on; it is stored with the request
made in the same turn, or nothing is kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.callbacks import store
from bot.callbacks.gateway import CallbackGate
from bot.callbacks.phone import check_number
from bot.callbacks.workdays import WorkingDays
from bot.db.models import CallbackRequest
from bot.db.session import get_engine, session_scope
from bot.gateway.state import MemoryState
from bot.outbound import ContactCipher

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def gate(url: str, cipher: ContactCipher) -> CallbackGate:
    return CallbackGate(url, cipher, not_saved="Sorry, not saved.", overdue="Sorry, late.", clock=lambda: NOW)


def new_request(url: str, cipher: ContactCipher, workdays: WorkingDays, conversation: str = "conv") -> int:
    with session_scope(url) as session:
        request = store.create_request(
            session,
            cipher,
            store.NewRequest(conversation, "web", "", "any", None, False, "", ""),
            now=NOW,
            workdays=workdays,
            within_working_days=2,
        )
        return request.id


def test_a_number_is_taken_only_when_the_bot_asked_for_one(migrated_url: str, cipher: ContactCipher) -> None:
    state = MemoryState()
    desk = gate(migrated_url, cipher)

    async def run() -> None:
        assert await desk.typed_number(state, "conv", "07400 123456") is None  # not asked
        asked = [{"custom": {"callback": "expect_number"}}]
        assert await desk.after_turn(state, "conv", "web", None, asked, None) is None
        assert await desk.typed_number(state, "conv", "skip") is None  # words go to the engine
        typed = await desk.typed_number(state, "conv", "07400 123456")
        assert typed is not None and typed.payload == '/callback_number{"number_check": "mobile"}'
        assert "07400" not in typed.payload and typed.check.e164 == "+447400123456"
        foreign = await desk.typed_number(state, "conv", "+33 1 23 45 67 89")
        assert foreign is not None and foreign.payload.endswith('"not_uk"}')
        await desk.after_turn(state, "conv", "web", None, [{"text": "something else"}], None)
        assert await desk.typed_number(state, "conv", "07400 123456") is None  # asked only once

    asyncio.run(run())


def test_the_number_is_stored_encrypted_with_the_request_of_that_turn(
    migrated_url: str, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    state = MemoryState()
    desk = gate(migrated_url, cipher)
    request_id = new_request(migrated_url, cipher, workdays)

    async def run() -> str | None:
        await desk.after_turn(state, "conv", "web", None, [{"custom": {"callback": "expect_number"}}], None)
        typed = await desk.typed_number(state, "conv", "0113 222 4444")
        assert typed is not None
        saved = [{"custom": {"callback_save": {"id": request_id, "number": "typed"}}}]
        return await desk.after_turn(state, "conv", "web", None, saved, typed.check)

    assert asyncio.run(run()) is None
    with open_session(migrated_url) as session:
        row = session.scalars(select(CallbackRequest)).one()
        assert cipher.decrypt(row.phone_encrypted or "") == "+441132224444" and row.phone_kind == "landline"


def test_on_sms_this_number_is_the_senders_and_a_bad_one_keeps_nothing(
    migrated_url: str, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    state = MemoryState()
    desk = gate(migrated_url, cipher)
    good = new_request(migrated_url, cipher, workdays, "sms-good")
    bad = new_request(migrated_url, cipher, workdays, "sms-bad")

    async def run() -> tuple[str | None, str | None]:
        said_good = await desk.after_turn(
            state,
            "sms-good",
            "sms",
            "+447400999888",
            [{"custom": {"callback_save": {"id": good, "number": "sender"}}}],
            None,
        )
        said_bad = await desk.after_turn(
            state,
            "sms-bad",
            "sms",
            "+4420",
            [{"custom": {"callback_save": {"id": bad, "number": "sender"}}}],
            None,
        )
        return said_good, said_bad

    assert asyncio.run(run()) == (None, "Sorry, not saved.")
    with open_session(migrated_url) as session:
        rows = {r.conversation_id: r for r in session.scalars(select(CallbackRequest))}
        assert set(rows) == {"sms-good"}  # nothing half-stored
        assert cipher.decrypt(rows["sms-good"].phone_encrypted or "") == "+447400999888"


def test_by_voice_this_number_is_the_caller_s_even_a_landline_and_a_withheld_one_keeps_nothing(
    migrated_url: str, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    state = MemoryState()
    desk = gate(migrated_url, cipher)
    landline = new_request(migrated_url, cipher, workdays, "voice-landline")
    withheld = new_request(migrated_url, cipher, workdays, "voice-withheld")

    async def run() -> tuple[str | None, str | None]:
        said = [
            await desk.after_turn(
                state,
                conversation,
                "voice",
                raw_sender,  # what the phone line gives the port for the turn: From, or the call's id
                [{"custom": {"callback_save": {"id": request, "number": "sender"}}}],
                None,
            )
            for conversation, raw_sender, request in (
                ("voice-landline", "+441134960000", landline),
                ("voice-withheld", "call:CA0123456789", withheld),
            )
        ]
        return said[0], said[1]

    assert asyncio.run(run()) == (None, "Sorry, not saved.")
    with open_session(migrated_url) as session:
        rows = {r.conversation_id: r for r in session.scalars(select(CallbackRequest))}
        assert set(rows) == {"voice-landline"}
        assert cipher.decrypt(rows["voice-landline"].phone_encrypted or "") == "+441134960000"
        assert rows["voice-landline"].phone_kind == "landline"


def test_another_conversation_cannot_attach_a_number_to_a_request(
    migrated_url: str, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    state = MemoryState()
    desk = gate(migrated_url, cipher)
    request_id = new_request(migrated_url, cipher, workdays, "owner")
    saved = [{"custom": {"callback_save": {"id": request_id, "number": "typed"}}}]
    said = asyncio.run(desk.after_turn(state, "intruder", "web", None, saved, check_number("07400 123456")))
    assert said == "Sorry, not saved."
    with open_session(migrated_url) as session:
        assert session.scalars(select(CallbackRequest.phone_encrypted)).one() is None


def open_session(url: str) -> Session:
    return Session(get_engine(url))
