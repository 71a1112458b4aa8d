"""One conversation turn, the same for every channel.

The channel hands over who wrote (its own raw id) and what they wrote; this module pseudonymises
the sender, cleans the text, takes out bank details, maps a typed option back to its button,
asks the engine, and always returns something to say: an engine that is down or slow gets a
short apology with the helpline, never silence. It also shows the privacy notice at a
person's first message, carries out a confirmed "forget me", and counts what the reports need.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from bot.callbacks.gateway import KEPT as CALLBACK_KEPT
from bot.callbacks.gateway import CallbackGate
from bot.callbacks.phone import NumberCheck
from bot.db.models import UsageKind
from bot.flood_limits import FloodGuard, MemoryRateLimiter
from bot.gateway.choices import remember, resolve, typed_command
from bot.gateway.engine import Engine, EngineDown, EngineTurn, EngineUnavailable
from bot.gateway.readiness import EngineReadiness, always_ready
from bot.gateway.state import DAY, SharedState
from bot.gateway.text import clean
from bot.local import LocalInfo
from bot.messages import BotMessage, Rendered, apology, offered_options
from bot.outbound.desk import OutboundDesk
from bot.outbound.store import CHANNELS as OUTBOUND_CHANNELS
from bot.privacy import notice
from bot.privacy.contacts import ContactBook
from bot.privacy.redact import only_removed, redact_sensitive, scrub_for_report, without_contact_details
from bot.pseudonym import person_key, pseudonymise
from bot.referrals import ReferralCodes
from bot.replies import MENU, Pin, intent_payload
from bot.usage.recorder import UsageRecorder

# Moved to bot/messages.py (shared with the channels); re-exported here until every caller moves.
__all__ = [
    "BotMessage",
    "Conversations",
    "Rendered",
    "apology",
    "forget_in_thread",
    "from_engine",
    "offered_options",
]

logger = logging.getLogger(__name__)

# Intents a button may send as a command ("/find_help"); see domain/core.yml.
BUTTON_INTENTS = frozenset(
    {
        "greet",
        "help",
        "find_help",
        "start_confidence_check",
        "ask_question",
        "ask_topic",
        "more_detail",
        "more_results",
        "human_handoff",
        "goodbye",
        "affirm",
        "deny",
        "inform",
        "privacy",
        "forget_me",
        "forget_confirm",
        "opt_out",
        # Closing the loop (bot/loop): "Remind me: <place>", "Book a place", "I couldn't get there".
        "remind_me",
        "book_place",
        "couldnt_go",
        "request_callback",
        "callback_status",
        "callback_cancel",
    }
)


def _pins(value: Any) -> tuple[Pin, ...]:
    pins = []
    for venue in value if isinstance(value, list) else []:
        try:
            pins.append(
                Pin(
                    str(venue["name"]),
                    str(venue.get("address") or ""),
                    float(venue["latitude"]),
                    float(venue["longitude"]),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(pins)


def from_engine(raw: list[dict[str, Any]]) -> Rendered:
    """The engine's messages as BotMessages; its custom payloads become flags on the message before."""
    messages: list[BotMessage] = []
    forget = False
    consent: str | None = None
    for item in raw:
        custom = found if isinstance(found := item.get("custom"), dict) else {}
        if isinstance(custom.get("consent"), str) and custom["consent"].strip():
            consent = custom["consent"].strip()
        buttons = [b for b in item.get("buttons") or [] if "title" in b and "payload" in b]
        if item.get("text") or buttons:
            messages.append(BotMessage(item.get("text"), buttons))
        forget = forget or custom.get("forget") is True
        if messages and custom.get("callback") == "expect_number":
            messages[-1] = replace(messages[-1], asks_number=True)
        if messages and (custom.get("request") == "location" or custom.get("venues")):
            messages[-1] = replace(
                messages[-1],
                request_location=messages[-1].request_location or custom.get("request") == "location",
                venues=messages[-1].venues + _pins(custom.get("venues")),
            )
    return Rendered(messages, forget, consent)


Forget = Callable[[str], Awaitable[bool]]


OUTBOUND_NOT_SAVED = (
    "Sorry, I couldn't set that up, so I won't be able to message you. Please try again later."
)


class Conversations:
    def __init__(
        self,
        engine: Engine,
        secret: str,
        local: LocalInfo,
        *,
        state: SharedState,
        contacts: ContactBook,
        usage: UsageRecorder,
        referrals: ReferralCodes,
        forget: Forget,
        max_message_chars: int = 1000,
        retention_days: int = 90,
        readiness: EngineReadiness | None = None,
        guard: FloodGuard | None = None,
        outbound: OutboundDesk | None = None,
        callbacks: CallbackGate | None = None,
    ) -> None:
        self._engine = engine
        self._secret = secret
        self._local = local
        self._state = state
        self._contacts = contacts
        self._usage = usage
        self._referrals = referrals
        self._forget = forget
        self._max_chars = max_message_chars
        self._days = retention_days
        # The gateway's own per-conversation values (offered payloads, a referral waiting for a
        # real message); channels add theirs with keeps(). "Forget me" drops them all.
        self._kept: set[str] = {"offered", "referral"}
        self._readiness = readiness or always_ready()
        # Channels ask it before a turn (one at a time per conversation, rate limits).
        self._guard = guard or FloodGuard(MemoryRateLimiter())
        self._outbound = outbound
        # Call backs: a typed number is checked here and never reaches the engine (bot/callbacks).
        self._callbacks = callbacks
        if callbacks is not None:
            self._kept |= set(CALLBACK_KEPT)

    @property
    def outbound(self) -> OutboundDesk | None:
        return self._outbound

    # Kept for code written against the old seams while issue 12's branches merge; channels use
    # the narrow methods below (bot/channels/port.py), so remove these once nothing calls them.
    @property
    def state(self) -> SharedState:
        return self._state

    @property
    def contacts(self) -> ContactBook:
        return self._contacts

    @property
    def usage(self) -> UsageRecorder:
        return self._usage

    @property
    def guard(self) -> FloodGuard:
        return self._guard

    @property
    def local(self) -> LocalInfo:
        return self._local

    def conversation_id(self, channel: str, raw_sender: str) -> str:
        return pseudonymise(self._secret, channel, raw_sender)

    async def keep_late_answer(self, conversation_id: str, number: str, text: str) -> bool:
        from bot.outbound.late import keep_for_late_answer  # it builds on this module

        return await keep_for_late_answer(self, conversation_id, number, text)

    def apology(self) -> BotMessage:
        return apology(self._local)

    async def engine_ready(self) -> bool:
        """Take a message now: the engine answers, or has been down past the deadline."""
        return await self._readiness.ready()

    async def wait_for_engine(self) -> bool:
        """Until the engine answers (True) or has been down past the deadline (False)."""
        return await self._readiness.wait()

    async def first_time(self, key: str, ttl_seconds: int = DAY) -> bool:
        """True the first time a channel sees `key` (an update or message id) within its lifetime."""
        return await self._state.claim(key, ttl_seconds)

    async def store(self, key: str, value: str, ttl_seconds: int = DAY) -> None:
        await self._state.put(key, value, ttl_seconds)

    async def stored(self, key: str) -> str | None:
        return await self._state.get(key)

    def keeps(self, name: str) -> None:
        """A channel declares a value it keeps per conversation, so "forget me" drops it too."""
        self._kept.add(name)

    async def remember(self, conversation_id: str, name: str, value: str, ttl_seconds: int = DAY) -> None:
        await self._state.put(self._value_key(name, conversation_id), value, ttl_seconds)

    async def recall(self, conversation_id: str, name: str) -> str | None:
        return await self._state.get(self._value_key(name, conversation_id))

    def _value_key(self, name: str, conversation_id: str) -> str:
        if name not in self._kept:
            raise ValueError(f"declare {name!r} with keeps() first, so that forget me drops it")
        return f"{name}:{conversation_id}"

    async def opted_out(self, conversation_id: str) -> bool:
        return await self._contacts.opted_out(conversation_id)

    async def set_opted_out(self, conversation_id: str, channel: str, opted_out: bool) -> None:
        await self._contacts.set_opted_out(conversation_id, channel, opted_out)

    async def aclose(self) -> None:
        """At shutdown: write what the usage recorder still holds, close the shared state."""
        await self._usage.aclose()
        await self._state.aclose()

    async def known_referral(self, text: object) -> str | None:
        """The canonical code if `text` is an active champion's or venue's code (SMS keywords)."""
        return await self._referrals.known(text)

    async def turn(self, channel: str, raw_sender: str, text: str, *, hold: bool = False) -> list[BotMessage]:
        """A message the resident typed (or a button's payload, as the web chat sends it).

        `hold`: the channel's platform keeps unanswered messages (Telegram), so an engine that is
        down is waited for, up to the deadline, rather than apologised for at once."""
        conversation = self.conversation_id(channel, raw_sender)
        cleaned = clean(text)
        if not cleaned:
            return await self._say(conversation, "Please type a message, or choose an option.")
        await self._referral_followed(channel, conversation)
        if len(cleaned) > self._max_chars:
            return await self._say(
                conversation, "That message is too long for me. Please send your question in a few words."
            )
        if self._callbacks is not None:
            number = await self._callbacks.typed_number(self._state, conversation, cleaned)
            if number is not None:  # asked for: checked, and only the check goes on
                return await self._exchange(
                    channel,
                    conversation,
                    number.payload,
                    hold=hold,
                    raw_sender=raw_sender,
                    number=number.check,
                )
        redacted, removed = redact_sensitive(cleaned)
        redacted = without_contact_details(redacted)
        if removed and only_removed(redacted):
            return await self._say(conversation, notice.details_removed(self._local, self._days))
        chosen = resolve(await self._options(channel, conversation), redacted)
        message = chosen or await typed_command(self._state, conversation, redacted, BUTTON_INTENTS)
        replies = await self._exchange(
            channel,
            conversation,
            message,
            typed=None if chosen else redacted,
            hold=hold,
            raw_sender=raw_sender,
        )
        if removed:
            replies.insert(0, BotMessage(notice.details_removed(self._local, self._days)))
        return replies

    async def _options(self, channel: str, conversation: str) -> list[dict[str, str]]:
        """The options offered last: a message the bot started since the last reply (sent by
        whichever process: kept with the message), else the last reply's."""
        if self._outbound is not None and channel in OUTBOUND_CHANNELS:
            offer = await self._outbound.take_offer(conversation)
            if offer:
                await remember(self._state, conversation, offer)
                return offer
        return await self._state.options(conversation)

    async def _say(self, conversation: str, text: str) -> list[BotMessage]:
        """A reply of the gateway's own, with the menu; "1" then means the menu, as it shows."""
        replies = [BotMessage(text, self._menu_buttons())]
        await remember(self._state, conversation, offered_options(replies))
        return replies

    async def start(
        self, channel: str, raw_sender: str, code: str | None = None, *, hold: bool = False
    ) -> list[BotMessage]:
        """The first message from a link or keyword that may carry a champion's or venue's code."""
        conversation = self.conversation_id(channel, raw_sender)
        known = await self._referrals.known(code) if code else None
        if known:  # it counts when a real message follows (`_referral_followed`)
            await self._state.put(f"referral:{conversation}", known)
        message = intent_payload("greet", referral_code=known) if known else intent_payload("greet")
        return await self._exchange(channel, conversation, message, hold=hold, raw_sender=raw_sender)

    async def _referral_followed(self, channel: str, conversation: str) -> None:
        """A real message after a start with a code: the referral counts, once per person."""
        code = await self._state.get(f"referral:{conversation}")
        if code:
            await self._state.put(f"referral:{conversation}", "")
            if await self._contacts.refer(conversation, code):
                self._usage.record(UsageKind.REFERRAL, channel, conversation, code)

    async def location(
        self, channel: str, raw_sender: str, latitude: float, longitude: float, *, hold: bool = False
    ) -> list[BotMessage]:
        """A shared location: the nearest-help search from those coordinates (kept to ~100 m)."""
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            return [BotMessage("Sorry, I couldn't read that location. Please type your postcode.")]
        conversation = self.conversation_id(channel, raw_sender)
        message = intent_payload("find_help", geo=f"geo:{latitude:.3f},{longitude:.3f}")
        return await self._exchange(channel, conversation, message, hold=hold, raw_sender=raw_sender)

    async def _exchange(
        self,
        channel: str,
        conversation: str,
        message: str,
        *,
        typed: str | None = None,
        referral_code: str | None = None,
        hold: bool = False,
        raw_sender: str | None = None,
        number: NumberCheck | None = None,
    ) -> list[BotMessage]:
        first = await self._contacts.arrive(conversation, channel, referral_code)
        self._usage.record(UsageKind.CONVERSATION, channel, conversation)
        try:
            turn = await self._ask_engine(channel, conversation, message, hold=hold)
        except EngineUnavailable as error:
            logger.warning("engine unavailable for %s: %s", conversation, error)
            return [apology(self._local)]
        rendered = from_engine(turn.messages)
        replies = rendered.messages
        if rendered.forget:
            replies.append(BotMessage(await self._carry_out_forget(conversation), self._menu_buttons()))
            return replies
        if not replies:
            logger.warning("engine gave no reply for %s", conversation)
            return [apology(self._local)]
        replies += await self._outbound_turn(channel, conversation, raw_sender, rendered, turn)
        replies = await self._callback_turn(channel, conversation, raw_sender, turn, number) + replies
        self._count(channel, conversation, turn, typed)
        await remember(self._state, conversation, offered_options(replies))
        if first:
            replies.insert(0, BotMessage(notice.first_contact_notice(self._local, self._days)))
        return replies

    async def _ask_engine(self, channel: str, conversation: str, message: str, *, hold: bool) -> EngineTurn:
        """The engine's turn. An engine that took no connection (restarting) is waited for when
        the message can be held; the message is then sent again, having never reached it."""
        held_since: float | None = None
        while True:
            try:
                turn = await self._engine.send(conversation, message, channel)
            except EngineDown:
                self._readiness.failed()
                if not hold:
                    raise
                if held_since is None:
                    held_since = self._readiness.now()
                    logger.info("engine down: holding a message for %s until it is back", conversation)
                else:
                    await self._readiness.pause()  # the probe said up, yet it took no connection
                if not await self._readiness.wait(since=held_since):
                    raise
                continue
            self._readiness.answered()
            return turn

    async def _outbound_turn(
        self, channel: str, conversation: str, raw_sender: str | None, rendered: Rendered, turn: EngineTurn
    ) -> list[BotMessage]:
        """Consent saved with the raw address only the gateway has; "stop" cancels what is due."""
        if self._outbound is None:
            return []
        if turn.understood.intent == "opt_out":
            try:
                await self._outbound.stop(conversation, "opt_out")
            except Exception as error:
                logger.warning("Outbound messages not stopped (%s)", type(error).__name__)
                return [BotMessage("Sorry, that didn't work. Please say stop again in a minute.")]
        if (
            rendered.consent
            and raw_sender is not None
            and channel in OUTBOUND_CHANNELS
            and not await self._outbound.consent(channel, conversation, raw_sender, rendered.consent)
        ):
            return [BotMessage(OUTBOUND_NOT_SAVED, self._menu_buttons())]
        return []

    async def _callback_turn(
        self,
        channel: str,
        conversation: str,
        raw_sender: str | None,
        turn: EngineTurn,
        number: NumberCheck | None,
    ) -> list[BotMessage]:
        """An overdue call back said first; a saved request's number stored (or a sorry)."""
        if self._callbacks is None:
            return []
        said: list[BotMessage] = []
        overdue = await self._callbacks.overdue_note(self._state, conversation)
        if overdue:
            said.append(BotMessage(overdue))
        sorry = await self._callbacks.after_turn(
            self._state, conversation, channel, raw_sender, turn.messages, number
        )
        if sorry:
            said.append(BotMessage(sorry, self._menu_buttons()))
        return said

    async def _carry_out_forget(self, conversation: str) -> str:
        self._usage.forget(person_key(conversation))
        done = await self._forget(conversation)
        await self._state.forget(conversation)
        await self._state.delete(*(self._value_key(name, conversation) for name in sorted(self._kept)))
        self._contacts.forget(conversation)
        if done:
            return notice.forgotten(self._local, self._days)
        return notice.forget_failed(self._local, self._days)

    def _count(self, channel: str, conversation: str, turn: EngineTurn, typed: str | None) -> None:
        understood = turn.understood
        if understood.intent == "faq" and understood.topic:
            self._usage.record(UsageKind.QUESTION, channel, conversation, understood.topic)
        elif understood.intent == "ask_topic":
            for entity, value in understood.entities:
                if entity == "faq_topic":
                    self._usage.record(UsageKind.QUESTION, channel, conversation, value)
        elif understood.intent == "nlu_fallback" and typed:
            self._usage.record(UsageKind.NOT_UNDERSTOOD, channel, conversation, scrub_for_report(typed))

    @staticmethod
    def _menu_buttons() -> list[dict[str, str]]:
        return [MENU.as_dict()]


def forget_in_thread(database_url: str, tracker_store_url: str) -> Forget:
    """The default way to forget: the stores are deleted from in a worker thread."""
    from bot.privacy.forget import try_forget

    async def forget(conversation: str) -> bool:
        result = await asyncio.to_thread(
            try_forget, conversation, database_url=database_url, tracker_store_url=tracker_store_url
        )
        return result is not None

    return forget
