""" "Text me this": one SMS to the caller's mobile, through the SMS channel's Twilio sender.

The text goes straight out through Twilio's REST API (the SMS channel's `SmsSender`, with no
status callback) and nothing is written anywhere: not the number, not the message. It is not
an outbound message of bot/outbound (those keep an encrypted address until they are sent),
because it is sent at once, while the caller listens, and only when they asked for it. The
number is in the request to Twilio, then dropped; the log never has it.
"""

from __future__ import annotations

import logging
from typing import Protocol

import httpx
from twilio.rest import Client

from bot.channels.sms.outbound import SmsSender, TwilioHttpx
from bot.messages import BotMessage
from bot.outbound.senders import SendFailed, TryLater, Undeliverable
from bot.settings import Settings

log = logging.getLogger(__name__)


class TextSender(Protocol):
    async def send(self, address: str, messages: list[BotMessage]) -> str | None: ...

    async def aclose(self) -> None: ...


def text_sender_from(settings: Settings) -> TextSender | None:
    """The sender when Twilio's REST API is configured (TWILIO_ACCOUNT_SID, TWILIO_FROM_NUMBER)."""
    if not settings.sms_outbound_enabled:
        return None
    http = TwilioHttpx(settings.twilio_api_base_url)
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
    return SmsSender(client, settings.twilio_from_number or "", status_callback=None)


async def text_once(sender: TextSender, number: str, body: str) -> bool:
    """Send `body` to `number` once; False when it could not be sent (the caller is told)."""
    try:
        await sender.send(number, [BotMessage(body)])
        return True
    except (SendFailed, TryLater, Undeliverable, httpx.HTTPError) as error:
        log.warning("A text asked for on a call was not sent (%s)", type(error).__name__)
        return False
