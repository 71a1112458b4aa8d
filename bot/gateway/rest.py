"""The REST webhook (Rasa's REST channel format), as a plain ASGI endpoint: refusing is cheap.

`POST /webhooks/rest/webhook` with `{"sender": ..., "message": ...}` answers a list of
`{"recipient_id", "text", "buttons"}`, so existing Rasa clients and our web chat work unchanged.

It is written against ASGI directly rather than as a Starlette request handler because one
sender can send hundreds of messages at once (issue 17), and each one the flood limits refuse
must cost the gateway as little as possible, since the other residents' turns share its event
loop. A refused message is answered from bytes prepared once (only the sender's id is put in),
after the cheapest checks: the body's declared length, one `receive`, `json.loads`, the
pseudonym, and `FloodGuard.refuse_at_once` (the conversation's queue, and the senders and
addresses a limiter refused moments ago), with no `Request` or `JSONResponse` built and nothing
awaited but the body. Everything else goes through `FloodGuard.turn` as before.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Receive, Scope, Send

from bot.flood_limits import Refusal
from bot.gateway.text import is_text
from bot.gateway.turns import Conversations
from bot.http_body import MAX_BODY_BYTES, BodyTooLarge, ClientGone, NotJson, parse_json, receive_limited
from bot.messages import SLOW_DOWN, BotMessage
from bot.proxies import client_address_of
from bot.settings import Settings

MAX_SENDER_CHARS = 128
JSON_TYPE = (b"content-type", b"application/json")


def dumps(value: Any) -> bytes:
    """As Starlette's JSONResponse writes it (compact, UTF-8)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


# The slow-down reply, `[{"recipient_id": <sender>, "text": SLOW_DOWN}]`, around the sender's id.
_SLOW_BEFORE = b'[{"recipient_id":'
_SLOW_AFTER = b',"text":' + dumps(SLOW_DOWN) + b"}]"
TOO_LARGE = dumps({"error": "Request too large"})
NOT_JSON = dumps({"error": 'Send JSON: {"sender": ..., "message": ...}'})
BAD_SENDER = dumps({"error": "'sender' must be a non-empty string"})
BAD_MESSAGE = dumps({"error": "'message' must be a string"})


def slow_down_body(sender: str) -> bytes:
    return _SLOW_BEFORE + dumps(sender) + _SLOW_AFTER


async def respond(send: Send, status: int, body: bytes, *extra: tuple[bytes, bytes]) -> None:
    headers = [JSON_TYPE, (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def refuse(send: Send, sender: str, refusal: Refusal) -> None:
    retry = (b"retry-after", str(round(refusal.retry_after_seconds)).encode())
    await respond(send, 200, slow_down_body(sender), retry)


class RestWebhook:
    """The endpoint; `Route(path, RestWebhook(...), methods=["POST"])`."""

    def __init__(self, conversations: Conversations, settings: Settings) -> None:
        self._conversations = conversations
        self._settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = parse_json(await receive_limited(scope, receive, MAX_BODY_BYTES))
        except BodyTooLarge:
            await respond(send, 413, TOO_LARGE)
            return
        except NotJson:
            await respond(send, 400, NOT_JSON)
            return
        except ClientGone:
            return  # nobody to answer
        if not isinstance(body, dict):
            body = {}
        sender, message = body.get("sender"), body.get("message")
        if not is_text(sender) or not sender or len(sender) > MAX_SENDER_CHARS:
            await respond(send, 400, BAD_SENDER)
            return
        if not isinstance(message, str):
            await respond(send, 400, BAD_MESSAGE)
            return
        conversations = self._conversations
        conversation = conversations.conversation_id("web", sender)
        address = client_address_of(scope, self._settings)
        if refusal := conversations.guard.refuse_at_once(conversation, address):
            await refuse(send, sender, refusal)  # a flood's message: answered from prepared bytes
            return
        async with conversations.guard.turn(conversation, address) as refusal:
            if refusal:  # a flood: this sender's turns wait for it, not everyone's
                await refuse(send, sender, refusal)
                return
            replies = await self._turn(sender, message, body.get("referral"))
        await respond(send, 200, dumps([reply.as_rest(sender) for reply in replies]))

    async def _turn(self, sender: str, message: str, referral: object) -> list[BotMessage]:
        if referral is not None and not message.strip():
            # The web chat opened from a champion's link (/?ref=CODE): start with their code.
            return await self._conversations.start("web", sender, str(referral)[:MAX_SENDER_CHARS])
        return await self._conversations.turn("web", sender, message)
