"""Request bodies read with a size limit: one helper for every endpoint residents' messages come in by.

The limit is checked on the declared Content-Length first (refused before reading anything) and
again while reading, since a chunked body declares no length. JSON that is not an object we
can read (not JSON, nested deeper than Python can parse) is one error for the endpoint to
answer with a 400, never a 500.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.types import Receive, Scope

# A resident's message is at most a few kilobytes (MAX_MESSAGE_CHARS 1,000, or Twilio's form).
MAX_BODY_BYTES = 64 * 1024


class BodyTooLarge(Exception):
    """The body is larger than the endpoint's limit (answer 413)."""


class NotJson(ValueError):
    """The body is not JSON that can be read (answer 400)."""


class ClientGone(Exception):
    """The client disconnected before sending the whole body (nobody to answer)."""


def _check_declared(declared: str | None, limit: int) -> None:
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyTooLarge


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    _check_declared(request.headers.get("content-length"), limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def parse_json(body: bytes) -> Any:
    """The body as JSON; deep nesting (RecursionError in the parser) is refused like bad JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise NotJson(type(error).__name__) from error


async def receive_limited(scope: Scope, receive: Receive, limit: int = MAX_BODY_BYTES) -> bytes:
    """As `read_limited`, for a plain ASGI endpoint (no `Request` built: see bot/gateway/rest.py)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            _check_declared(value.decode("latin-1"), limit)
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        body += bytes(message.get("body", b""))
        if len(body) > limit:
            raise BodyTooLarge
        if not message.get("more_body", False):
            return body
