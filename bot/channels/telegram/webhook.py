"""The webhook route Telegram calls in webhook mode, and the secret token it must present.

Anyone on the internet can POST to a public URL, so every call must carry the secret given to
Telegram with setWebhook (header X-Telegram-Bot-Api-Secret-Token); without it the call gets 403
and is never read. The secret is TELEGRAM_WEBHOOK_SECRET, or derived from the bot token and the
pseudonym secret, so every gateway replica derives the same one without more configuration.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.http_body import BodyTooLarge, NotJson, parse_json, read_limited

WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What Telegram accepts as a secret_token.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
# An update is a few kilobytes; refuse anything that is clearly not one.
MAX_UPDATE_BYTES = 1_000_000


class UpdateRejected(ValueError):
    """The body is JSON but not a Telegram update."""


def webhook_secret(token: str, pseudonym_secret: str, configured: str | None = None) -> str:
    """The configured secret if set (checked against Telegram's rules), else a stable derived one."""
    if configured:
        if not SECRET_PATTERN.fullmatch(configured):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1 to 256 of the characters A-Z a-z 0-9 _ -")
        return configured
    digest = hmac.new(pseudonym_secret.encode(), f"telegram-webhook:{token}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


Receive = Callable[[dict[str, Any]], Awaitable[bool]]


class WebhookEndpoint:
    """POST /webhooks/telegram: check the secret, then hand the update over (False: not ready yet)."""

    def __init__(self, secret: str, receive: Receive) -> None:
        self._secret = secret.encode()
        self._receive = receive

    async def handle(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return Response(status_code=403)
        try:
            update = parse_json(await read_limited(request, MAX_UPDATE_BYTES))
        except BodyTooLarge:
            return Response(status_code=413)
        except NotJson:
            return JSONResponse({"error": "Send a Telegram update as JSON"}, status_code=400)
        if not isinstance(update, dict):
            return JSONResponse({"error": "Send a Telegram update as JSON"}, status_code=400)
        try:
            accepted = await self._receive(update)
        except UpdateRejected:
            return JSONResponse({"error": "Not a Telegram update"}, status_code=400)
        # 503 while the bot is still starting: Telegram keeps the update and tries again.
        return Response(status_code=200 if accepted else 503)
