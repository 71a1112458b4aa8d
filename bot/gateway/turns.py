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
from dataclasses import dataclass, field, replace
from typing import Any

from bot.db.models import UsageKind
from bot.gateway.choices import resolve
from bot.gateway.engine import Engine, EngineTurn, EngineUnavailable
from bot.gateway.state import SharedState
from bot.gateway.text import clean, safe_for_engine
from bot.local import LocalInfo
from bot.outbound.desk import OutboundDesk
from bot.outbound.store import CHANNELS as OUTBOUND_CHANNELS
from bot.privacy import notice
from bot.privacy.contacts import ContactBook
from bot.privacy.redact import only_removed, redact_sensitive, scrub_for_report, without_contact_details
from bot.pseudonym import person_key, pseudonymise
from bot.referrals import ReferralCodes
from bot.replies import MENU, Pin, intent_payload
from bot.usage.recorder import UsageRecorder

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
    }
)


@dataclass(frozen=True)
class BotMessage:
    text: str | None
    buttons: list[dict[str, str]] = field(default_factory=list)
    # The engine asks where the resident is: a channel that can share a location offers it.
    request_location: bool = False
    venues: tuple[Pin, ...] = ()

    def as_rest(self, recipient_id: str) -> dict[str, Any]:
        message: dict[str, Any] = {"recipient_id": recipient_id}
        if self.text:
            message["text"] = self.text
        if self.buttons:
            message["buttons"] = self.buttons
        return message


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


@dataclass(frozen=True)
class Rendered:
    messages: list[BotMessage]
    forget: bool = False
    # {"consent": "..."}: the resident agreed to be messaged later (bot.outbound.desk).
    consent: str | None = None


def from_engine(raw: list[dict[str, Any]]) -> Rendered:
    """The engine's messages as BotMessages; its custom payloads become flags on the message before."""
    messages: list[BotMessage] = []
    forget = False
    consent: str | None = None
    for item in raw:
        custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
        if isinstance(custom.get("consent"), str) and custom["consent"].strip():
            consent = custom["consent"].strip()
        buttons = [b for b in item.get("buttons") or [] if "title" in b and "payload" in b]
        if item.get("text") or buttons:
            messages.append(BotMessage(item.get("text"), buttons))
        forget = forget or custom.get("forget") is True
        if messages and (custom.get("request") == "location" or custom.get("venues")):
            messages[-1] = replace(
                messages[-1],
                request_location=messages[-1].request_location or custom.get("request") == "location",
                venues=messages[-1].venues + _pins(custom.get("venues")),
            )
    return Rendered(messages, forget, consent)


Forget = Callable[[str], Awaitable[bool]]


def offered_options(replies: list[BotMessage]) -> list[dict[str, str]]:
    """Every option of a turn once, in order: "2" means the second of these (SMS numbers them so)."""
    seen: dict[str, dict[str, str]] = {}
    for reply in replies:
        for button in reply.buttons:
            seen.setdefault(button["payload"], button)
    return list(seen.values())


OUTBOUND_NOT_SAVED = (
    "Sorry, I couldn't set that up, so I won't be able to message you. Please try again later."
)


def apology(local: LocalInfo) -> BotMessage:
    """What a resident hears when part of the bot is down or slow: never silence, never a trace."""
    helpline = local.helpline
    return BotMessage(
        f"Sorry, I'm having a problem right now. Please try again in a minute, "
        f"or call {helpline.name} on {helpline.phone}."
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
        outbound: OutboundDesk | None = None,
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
        self._outbound = outbound

    @property
    def outbound(self) -> OutboundDesk | None:
        return self._outbound

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
    def local(self) -> LocalInfo:
        return self._local

    def conversation_id(self, channel: str, raw_sender: str) -> str:
        return pseudonymise(self._secret, channel, raw_sender)

    async def known_referral(self, text: object) -> str | None:
        """The canonical code if `text` is an active champion's or venue's code (SMS keywords)."""
        return await self._referrals.known(text)

    async def turn(self, channel: str, raw_sender: str, text: str) -> list[BotMessage]:
        """A message the resident typed (or a button's payload, as the web chat sends it)."""
        conversation = self.conversation_id(channel, raw_sender)
        cleaned = clean(text)
        if not cleaned:
            return await self._say(conversation, "Please type a message, or choose an option.")
        if len(cleaned) > self._max_chars:
            return await self._say(
                conversation, "That message is too long for me. Please send your question in a few words."
            )
        redacted, removed = redact_sensitive(cleaned)
        redacted = without_contact_details(redacted)
        if removed and only_removed(redacted):
            return await self._say(conversation, notice.details_removed(self._local, self._days))
        chosen = resolve(await self._state.options(conversation), redacted)
        message = chosen or safe_for_engine(redacted, BUTTON_INTENTS)
        replies = await self._exchange(
            channel, conversation, message, typed=None if chosen else redacted, raw_sender=raw_sender
        )
        if removed:
            replies.insert(0, BotMessage(notice.details_removed(self._local, self._days)))
        return replies

    async def _say(self, conversation: str, text: str) -> list[BotMessage]:
        """A reply of the gateway's own, with the menu; "1" then means the menu, as it shows."""
        replies = [BotMessage(text, self._menu_buttons())]
        await self._state.remember_options(conversation, offered_options(replies))
        return replies

    async def start(self, channel: str, raw_sender: str, code: str | None = None) -> list[BotMessage]:
        """The first message from a link or keyword that may carry a champion's or venue's code."""
        conversation = self.conversation_id(channel, raw_sender)
        known = await self._referrals.known(code) if code else None
        if known:
            self._usage.record(UsageKind.REFERRAL, channel, conversation, known)
        message = intent_payload("greet", referral_code=known) if known else intent_payload("greet")
        return await self._exchange(
            channel, conversation, message, referral_code=known, raw_sender=raw_sender
        )

    async def location(
        self, channel: str, raw_sender: str, latitude: float, longitude: float
    ) -> list[BotMessage]:
        """A shared location: the nearest-help search from those coordinates (kept to ~100 m)."""
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            return [BotMessage("Sorry, I couldn't read that location. Please type your postcode.")]
        conversation = self.conversation_id(channel, raw_sender)
        message = intent_payload("find_help", geo=f"geo:{latitude:.3f},{longitude:.3f}")
        return await self._exchange(channel, conversation, message, raw_sender=raw_sender)

    async def _exchange(
        self,
        channel: str,
        conversation: str,
        message: str,
        *,
        typed: str | None = None,
        referral_code: str | None = None,
        raw_sender: str | None = None,
    ) -> list[BotMessage]:
        first = await self._contacts.arrive(conversation, channel, referral_code)
        self._usage.record(UsageKind.CONVERSATION, channel, conversation)
        try:
            turn = await self._engine.send(conversation, message, channel)
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
        self._count(channel, conversation, turn, typed)
        await self._state.remember_options(conversation, offered_options(replies))
        if first:
            replies.insert(0, BotMessage(notice.first_contact_notice(self._local, self._days)))
        return replies

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

    async def _carry_out_forget(self, conversation: str) -> str:
        self._usage.forget(person_key(conversation))
        done = await self._forget(conversation)
        await self._state.forget(conversation)
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
