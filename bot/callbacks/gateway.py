"""The gateway's side of call backs: the number, which only the gateway ever sees.

A resident types a number when the bot has asked for one (the engine's reply carried
`{"callback": "expect_number"}`): the gateway checks it here and sends the engine only
`/callback_number{"number_check": "mobile"}` (or "landline", "invalid", "not_uk",
"not_callable"), so the number is in no tracker, log or model input. The number step is the
form's last, after consent, so the request is made in that same turn: the engine's reply
carries `{"callback_save": {"id": 7, "number": "typed"}}` and the number is stored with the
request, encrypted, then forgotten by the gateway. By SMS or voice "this number" is the sender's
or caller's own number ("number": "sender"), which the channel gave for the turn (the raw
sender of `ConversationPort.turn`).

It also tells a resident whose call back is overdue, once, when they next write (if no
outbound message has told them), for conversations it knows have a request open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.callbacks import store
from bot.callbacks.dialogue import OWN_NUMBER_CHANNELS
from bot.callbacks.phone import NumberCheck, check_number, looks_like_number
from bot.db.session import session_scope
from bot.gateway.state import SharedState
from bot.outbound.cipher import ContactCipher
from bot.replies import intent_payload

log = logging.getLogger(__name__)
EXPECT = "callback:expect"
OPEN = "callback:open"
KEPT = (EXPECT, OPEN)
EXPECT_SECONDS = 3600


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TypedNumber:
    """A typed number: what the engine is sent, and the check (with the number) kept for the turn."""

    payload: str
    check: NumberCheck


def custom_payloads(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [found for item in raw if isinstance(found := item.get("custom"), dict)]


class CallbackGate:
    def __init__(
        self,
        database_url: str,
        cipher: ContactCipher,
        *,
        not_saved: str,
        overdue: str,
        retention_days: int = 90,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._url = database_url
        self._cipher = cipher
        self._not_saved = not_saved
        self._overdue = overdue
        self._days = retention_days
        self._clock = clock

    @staticmethod
    def _key(name: str, conversation: str) -> str:
        return f"{name}:{conversation}"  # the Conversations' per-conversation key, so forget drops it

    async def typed_number(self, state: SharedState, conversation: str, text: str) -> TypedNumber | None:
        """The message as a checked number, when the bot asked for one and it looks like one."""
        if not looks_like_number(text) or not await state.get(self._key(EXPECT, conversation)):
            return None
        check = check_number(text)
        result = check.kind if check.ok else str(check.problem)
        return TypedNumber(intent_payload("callback_number", number_check=str(result)), check)

    async def after_turn(
        self,
        state: SharedState,
        conversation: str,
        channel: str,
        raw_sender: str | None,
        raw: list[dict[str, Any]],
        typed: NumberCheck | None,
    ) -> str | None:
        """Keep the "expecting a number" mark for the next message only; store a saved request's
        number. Returns a sorry to say if the request could not be kept (it is then deleted)."""
        customs = custom_payloads(raw)
        if any(custom.get("callback") == "expect_number" for custom in customs):
            await state.put(self._key(EXPECT, conversation), "1", EXPECT_SECONDS)
        else:
            await state.delete(self._key(EXPECT, conversation))
        for custom in customs:
            saved = custom.get("callback_save")
            if isinstance(saved, dict) and isinstance(saved.get("id"), int):
                return await self._store(state, conversation, channel, raw_sender, saved, typed)
        return None

    async def _store(
        self,
        state: SharedState,
        conversation: str,
        channel: str,
        raw_sender: str | None,
        saved: dict[str, Any],
        typed: NumberCheck | None,
    ) -> str | None:
        request_id = int(saved["id"])
        if saved.get("number") == "sender":
            # The sender of a text or the caller: the raw number the channel gave for this turn
            # (a withheld caller's id is no number, so nothing is kept and the resident is told).
            own = channel in OWN_NUMBER_CHANNELS
            check = check_number(raw_sender) if own and raw_sender else None
        else:
            check = typed
        try:
            if check is None or not check.ok or check.e164 is None or check.kind is None:
                await asyncio.to_thread(self._discard, request_id, conversation)
                return self._not_saved
            stored = await asyncio.to_thread(self._attach, request_id, conversation, check.e164, check.kind)
            if not stored:
                return self._not_saved
        except SQLAlchemyError as error:
            log.warning("Call back number not stored (%s)", type(error).__name__)
            return self._not_saved
        await state.put(self._key(OPEN, conversation), "1", self._days * 24 * 3600)
        return None

    def _attach(self, request_id: int, conversation: str, e164: str, kind: str) -> bool:
        with session_scope(self._url) as session:
            if store.attach_number(session, self._cipher, request_id, conversation, e164, kind):
                return True
            store.discard(session, request_id, conversation)
            return False

    def _discard(self, request_id: int, conversation: str) -> None:
        with session_scope(self._url) as session:
            store.discard(session, request_id, conversation)

    async def overdue_note(self, state: SharedState, conversation: str) -> str | None:
        """Once, when the resident writes after their call back became overdue."""
        if not await state.get(self._key(OPEN, conversation)):
            return None
        try:
            found = await asyncio.to_thread(self._overdue_untold, conversation)
        except SQLAlchemyError:
            return None
        return self._overdue if found else None

    def _overdue_untold(self, conversation: str) -> bool:
        with session_scope(self._url) as session:
            return store.overdue_untold(session, conversation, self._clock()) is not None
