"""Texts the bot starts, through Twilio's REST API, and Twilio's signed status callbacks.

twilio's own `Client` sends them, with an `http_client` of ours: it is httpx, sends Twilio's
requests to TWILIO_API_BASE_URL (tests point it at a fake on loopback) and logs nothing (the
request body holds the number). A text is written by the SMS channel's renderer, within 2
segments. Twilio answers a number that cannot get texts with an error code: those are
Undeliverable (the person's contact is stopped); 5xx, 429 and network errors are TryLater.

Twilio then reports delivery to the status callback (/webhooks/sms/twilio/status), signed like
the inbound webhook; delivered / undelivered / failed are recorded on the message, and a
number the network says does not exist stops the contact too.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from bot.channels.sms.providers.base import Rejected
from bot.channels.sms.providers.twilio import TwilioProvider
from bot.channels.sms.render import fit_reply
from bot.db.models import MessageStatus, OutboundMessage
from bot.db.session import session_scope
from bot.messages import BotMessage, offered_options
from bot.outbound.senders import SendFailed, TryLater, Undeliverable
from bot.outbound.store import stop_conversation
from bot.settings import Settings

log = logging.getLogger(__name__)
MAX_SEGMENTS = 2
STATUS_PATH = "/webhooks/sms/twilio/status"
TWILIO_HOST = re.compile(r"^https://[a-z0-9.-]*twilio\.com", re.IGNORECASE)
# Twilio REST error codes that mean the number cannot get texts from us (twilio.com/docs/api/errors).
NUMBER_GONE = {
    21211: "invalid 'To' number",
    21214: "'To' number cannot be reached",
    21217: "number does not appear to be valid",
    21407: "number type does not support SMS",
    21610: "number replied STOP to the provider",
    21612: "number not reachable by SMS",
    21614: "not a mobile number",
}
# Delivery errors in status callbacks that mean the same (30003, a phone switched off, does not).
DELIVERY_GONE = {
    30004: "blocked by the recipient",
    30005: "unknown number",
    30006: "landline or unreachable carrier",
}
_silent = logging.getLogger("bot.channels.sms.outbound.twilio_http")
_silent.setLevel(logging.CRITICAL)
_silent.propagate = False


class TwilioHttpx(AsyncHttpClient):
    """twilio's async HttpClient over httpx, pointed at `base_url` instead of *.twilio.com."""

    def __init__(self, base_url: str = "https://api.twilio.com", timeout: float = 10.0) -> None:
        super().__init__(_silent, is_async=True, timeout=timeout)
        self._base = base_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=timeout)

    async def request(  # type: ignore[override]  # twilio types the async client as the sync one
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        url = TWILIO_HOST.sub(self._base, uri)
        response = await self._client.request(
            method,
            url,
            params=params,  # type: ignore[arg-type]
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout or self.timeout,
            follow_redirects=allow_redirects,
        )
        return TwilioResponse(response.status_code, response.text, response.headers)

    async def close(self) -> None:
        await self._client.aclose()


def status_callback_url(settings: Settings) -> str | None:
    return f"{settings.public_base_url.rstrip('/')}{STATUS_PATH}" if settings.public_base_url else None


class SmsSender:
    channel = "sms"

    def __init__(self, client: Client, from_number: str, status_callback: str | None = None) -> None:
        self._client = client
        self._from = from_number
        self._callback = status_callback

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsSender:
        http = TwilioHttpx(settings.twilio_api_base_url)
        client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
        return cls(client, settings.twilio_from_number or "", status_callback_url(settings))

    async def send(self, address: str, messages: list[BotMessage]) -> str | None:
        texts = [message.text for message in messages if message.text]
        body = fit_reply(texts, offered_options(messages), MAX_SEGMENTS)
        options: dict[str, Any] = {"to": address, "from_": self._from, "body": body}
        if self._callback:
            options["status_callback"] = self._callback
        try:
            message = await self._client.messages.create_async(**options)
        except TwilioRestException as error:
            raise self._failure(error) from error
        except httpx.HTTPError as error:
            raise TryLater(f"sms: {type(error).__name__}") from error
        return str(message.sid) if message.sid else None

    @staticmethod
    def _failure(error: TwilioRestException) -> Exception:
        """Never the error's text: Twilio's messages can quote the number."""
        if error.code in NUMBER_GONE:
            return Undeliverable(f"sms {error.code}: {NUMBER_GONE[error.code]}")
        if error.status >= 500 or error.status == 429:
            return TryLater(f"sms: provider {error.status}")
        return SendFailed(f"sms: provider {error.status} code {error.code}")

    async def aclose(self) -> None:
        http = self._client.http_client
        if isinstance(http, TwilioHttpx):
            await http.close()


def record_status(database_url: str, sid: str, status: str, error_code: int | None, now: datetime) -> bool:
    """Note what Twilio reports about a text we sent; False if it is none of ours."""
    with session_scope(database_url) as session:
        message = session.scalar(select(OutboundMessage).where(OutboundMessage.provider_message_id == sid))
        if message is None:
            return False
        if status == "delivered":
            message.status = MessageStatus.DELIVERED.value
        elif status in ("undelivered", "failed"):
            message.status = MessageStatus.FAILED.value
            message.error = f"sms {status}" + (f" {error_code}" if error_code else "")
            if error_code in DELIVERY_GONE:
                stop_conversation(session, message.conversation_id, now=now, reason=f"sms {error_code}")
        return True


def status_route(
    provider: TwilioProvider, database_url: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Route:
    """POST /webhooks/sms/twilio/status: Twilio's delivery reports, refused unless signed."""

    async def endpoint(request: Request) -> Response:
        try:
            fields = await provider.fields(request)
        except Rejected as rejected:
            return PlainTextResponse(rejected.reason, status_code=rejected.status_code)
        if not provider.verify(request, fields):
            return PlainTextResponse("Invalid signature", status_code=403)
        sid = fields.get("MessageSid", "").strip()
        status = fields.get("MessageStatus", "").strip().lower()
        if not sid or not status:
            return PlainTextResponse("MessageSid and MessageStatus are required", status_code=400)
        code = fields.get("ErrorCode", "").strip()
        await asyncio.to_thread(
            record_status, database_url, sid, status, int(code) if code.isdigit() else None, clock()
        )
        return Response(status_code=204)

    return Route(STATUS_PATH, endpoint, methods=["POST"])
