"""The small interface an SMS gateway implements, so Twilio, Vonage or a council's own gateway
each need one file and the conversation logic stays in `bot/channels/sms/channel.py`.

A provider answers four questions about its webhook: is this request really from the gateway
(`verify`), who wrote what (`parse`), and how to answer with a text or with nothing (`reply`,
`no_reply`). Reading the request body (`fields`) has a default for form posts, with a size limit
so an oversized request is refused before it is parsed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import parse_qsl

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response

from bot.http_body import MAX_BODY_BYTES, BodyTooLarge, read_limited

Fields = ImmutableMultiDict[str, str]
FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 200


@dataclass(frozen=True)
class Inbound:
    """One text from a resident: their number (raw, pseudonymised by the gateway), what they
    wrote, and the gateway's id for it (retries repeat the id, so it is answered once)."""

    sender: str
    text: str
    message_id: str


class Rejected(Exception):
    """The request cannot be handled: answered with this status (4xx) and a plain reason."""

    def __init__(self, status_code: int, reason: str) -> None:
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """Twilio's largest inbound SMS form is a few kilobytes: the gateway's usual limit."""
    try:
        return await read_limited(request, limit)
    except BodyTooLarge as error:
        raise Rejected(413, "Request too large") from error


async def read_form(request: Request, limit: int = MAX_BODY_BYTES) -> Fields:
    """An application/x-www-form-urlencoded body as fields (repeated names kept)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM:
        raise Rejected(415, f"Send the message as {FORM}")
    body = await read_body(request, limit)
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as error:
        raise Rejected(400, "The form could not be read") from error
    return ImmutableMultiDict(pairs)


class SmsProvider(ABC):
    """One SMS gateway's webhook. The channel serves it at /webhooks/sms/<name>."""

    name: ClassVar[str]

    async def fields(self, request: Request) -> Fields:
        """The request's fields; a form post by default (override for JSON or query strings)."""
        return await read_form(request)

    @abstractmethod
    def verify(self, request: Request, fields: Fields) -> bool:
        """True only when the request is from the gateway (a signature, a shared secret...)."""

    @abstractmethod
    def parse(self, fields: Fields) -> Inbound:
        """The text in the request; raises Rejected(400, ...) when a required field is missing."""

    @abstractmethod
    def reply(self, text: str) -> Response:
        """The webhook's answer that sends `text` back to the resident."""

    @abstractmethod
    def no_reply(self) -> Response:
        """The webhook's answer that sends nothing (after STOP, or for a retried message)."""
