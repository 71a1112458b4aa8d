"""Building the outbound pieces from settings: only the edges (app factory, CLI) call this."""

from __future__ import annotations

from bot.db.session import get_engine
from bot.gateway.state import SharedState
from bot.outbound.cipher import ContactCipher
from bot.outbound.compose import Composer, OutboundEngine
from bot.outbound.desk import OutboundDesk
from bot.outbound.dispatch import Clock, Dispatcher, utc_now
from bot.outbound.quiet import QuietHours
from bot.outbound.senders import Sender
from bot.outbound.templates import Templates
from bot.settings import Settings

MESSAGES_FILE = "messages.yml"


def cipher_from(settings: Settings) -> ContactCipher:
    return ContactCipher(settings.outbound_key_list)


def desk_from(settings: Settings) -> OutboundDesk:
    return OutboundDesk(settings.database_url, cipher_from(settings), QuietHours.from_settings(settings))


def outbound_enabled(settings: Settings) -> bool:
    """A dispatcher runs when some channel can send later: Telegram, or Twilio's REST API."""
    return bool(settings.telegram_bot_token) or settings.sms_outbound_enabled


def senders_from(settings: Settings, state: SharedState | None) -> dict[str, Sender]:
    senders: dict[str, Sender] = {}
    if settings.telegram_bot_token:
        from bot.channels.telegram.outbound import TelegramSender, outbound_bot

        senders["telegram"] = TelegramSender(outbound_bot(settings), state)
    if settings.sms_outbound_enabled:
        from bot.channels.sms.outbound import SmsSender

        senders["sms"] = SmsSender.from_settings(settings)
    return senders


def dispatcher_from(
    settings: Settings, engine: OutboundEngine | None, state: SharedState | None, clock: Clock = utc_now
) -> Dispatcher:
    cipher = cipher_from(settings)
    return Dispatcher(
        get_engine(settings.database_url),
        Composer(Templates.load(settings.content_dir / MESSAGES_FILE), engine, cipher),
        senders_from(settings, state),
        cipher,
        QuietHours.from_settings(settings),
        state=state,
        clock=clock,
        batch=settings.dispatch_batch,
        max_attempts=settings.dispatch_max_attempts,
    )
