"""Messages the bot starts on Telegram: the channel's own rendering, the Bot API's limits.

The messages are planned exactly as replies are (`plan_replies`: inline keyboards, long
payloads kept in the shared state, plain text). Telegram allows a bot about 30 messages a
second in all and about one a second in one chat: python-telegram-bot's AIORateLimiter keeps
the overall rate (and waits out a 429 "retry after"), but it paces only group chats, so one
private chat is paced here (`ChatPacer`). The overall limit is per bot, and every gateway
replica runs a dispatcher: TELEGRAM_OUTBOUND_PER_SECOND is each replica's share.

403 Forbidden (the resident blocked the bot or deleted their account) and "chat not found"
mean nobody can be reached at that chat id: Undeliverable. Network errors and server errors:
TryLater. A message already partly sent is never tried again (it would arrive twice).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bot.channels.telegram.render import SendText, SendVenue, plan_replies
from bot.channels.telegram.send import NO_PREVIEW
from bot.messages import BotMessage
from bot.outbound.senders import SendFailed, TryLater, Undeliverable
from bot.settings import Settings

GONE = ("chat not found", "user is deactivated", "bot was blocked", "peer_id_invalid")


class ButtonStore(Protocol):
    """Where a button's long payload is kept under a short callback id (the gateway's shared state)."""

    async def put(self, key: str, value: str, ttl_seconds: int = ...) -> None: ...


class ChatPacer:
    """At most one message a `seconds` to one chat: each send books the next free moment."""

    def __init__(self, seconds: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._next: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        now = self._clock()
        if len(self._next) > 10_000:
            self._next = {chat: at for chat, at in self._next.items() if at > now}
        at = max(now, self._next.get(chat_id, 0.0))
        self._next[chat_id] = at + self._seconds
        if at > now:
            await asyncio.sleep(at - now)


def outbound_bot(settings: Settings) -> Bot:
    """A Bot API client of its own for the dispatcher, with the overall rate limit."""
    # A bucket of one, refilled every 1/rate seconds: an even pace, never a burst (a bucket of
    # `rate` would allow twice the rate in one second, and two replicas four times it).
    rate = max(settings.telegram_outbound_per_second, 0.1)
    limiter: AIORateLimiter = AIORateLimiter(overall_max_rate=1, overall_time_period=1 / rate, max_retries=3)
    bot: Bot = ExtBot(
        settings.telegram_bot_token or "", base_url=settings.telegram_api_base_url, rate_limiter=limiter
    )
    return bot


class TelegramSender:
    channel = "telegram"

    def __init__(self, bot: Bot, state: ButtonStore | None = None, pacer: ChatPacer | None = None) -> None:
        self._bot = bot
        self._state = state
        self._pacer = pacer or ChatPacer()
        self._started = False
        self._starting = asyncio.Lock()

    async def _start(self) -> None:
        async with self._starting:
            if self._started:
                return
            try:
                await self._bot.initialize()
            except InvalidToken as error:
                raise TryLater("Telegram rejected the bot token") from error
            except TelegramError as error:
                raise TryLater(f"Telegram unreachable ({type(error).__name__})") from error
            self._started = True

    async def send(self, address: str, messages: list[BotMessage]) -> str | None:
        try:
            chat_id = int(address)
        except ValueError as error:
            raise Undeliverable("not a Telegram chat id") from error
        await self._start()
        plan = plan_replies(messages)
        if self._state is not None:
            for data, payload in plan.long_payloads.items():
                await self._state.put(f"telegram:button:{data}", payload)
        sent: Message | None = None
        for index, send in enumerate(plan.sends):
            await self._pacer.wait(chat_id)
            try:
                sent = await self._one(chat_id, send)
            except TelegramError as error:
                raise self._failure(error, partly_sent=index > 0) from error
        return str(sent.message_id) if sent is not None else None

    async def _one(self, chat_id: int, send: SendText | SendVenue) -> Message:
        if isinstance(send, SendText):
            return await self._bot.send_message(
                chat_id, send.text, reply_markup=send.markup, link_preview_options=NO_PREVIEW
            )
        return await self._bot.send_venue(
            chat_id,
            latitude=send.pin.latitude,
            longitude=send.pin.longitude,
            title=send.pin.name,
            address=send.address,
            reply_markup=send.markup,
        )

    @staticmethod
    def _failure(error: TelegramError, *, partly_sent: bool) -> Exception:
        """The error's meaning for the dispatcher (its text never holds the chat id)."""
        if isinstance(error, Forbidden) or (
            isinstance(error, BadRequest) and any(gone in error.message.lower() for gone in GONE)
        ):
            return Undeliverable(f"telegram: {type(error).__name__}")
        if partly_sent:
            return SendFailed(f"telegram: partly sent, then {type(error).__name__}")
        if isinstance(error, BadRequest):
            return SendFailed(f"telegram: bad request ({error.message[:80]})")
        return TryLater(f"telegram: {type(error).__name__}")

    async def aclose(self) -> None:
        if self._started:
            await self._bot.shutdown()
            self._started = False
