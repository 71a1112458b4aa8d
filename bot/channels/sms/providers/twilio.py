"""Twilio's Messaging webhook: a signed form post, answered with TwiML.

Twilio signs every webhook with the account's auth token (X-Twilio-Signature, over the URL it
called and the form fields). Behind a proxy or load balancer the URL this process sees is not
the one Twilio called, so the signature is checked against PUBLIC_BASE_URL plus the path when
that is set. A request signed with a Webhooks SharedKey (X-Twilio-Webhooks-Signature-Settings)
is checked with that key and algorithm if one is configured, and refused otherwise.
"""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import Response
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.sms.providers.base import Fields, Inbound, Rejected, SmsProvider

log = logging.getLogger(__name__)
TWIML = "text/xml"
_MESSAGE_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
MAX_NUMBER_CHARS = 64


class TwilioProvider(SmsProvider):
    name = "twilio"

    def __init__(
        self, auth_token: str, public_base_url: str | None = None, shared_key_secret: str | None = None
    ) -> None:
        self._validator = RequestValidator(auth_token)
        self._shared_key = RequestValidator(shared_key_secret) if shared_key_secret else None
        self._public_base_url = public_base_url.rstrip("/") if public_base_url else None

    def signed_url(self, request: Request) -> str:
        """The URL Twilio called: the public address when it is configured, else the request's."""
        if not self._public_base_url:
            return str(request.url)
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{self._public_base_url}{request.url.path}{query}"

    def verify(self, request: Request, fields: Fields) -> bool:
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return False
        settings = request.headers.get(SIGNATURE_SETTINGS_HEADER)
        validator = self._validator
        if settings:
            if self._shared_key is None:
                log.warning("Twilio signed with a SharedKey, but none is configured: request refused")
                return False
            validator = self._shared_key
        return bool(
            validator.validate(self.signed_url(request), fields, signature, get_signature_algorithm(settings))
        )

    def parse(self, fields: Fields) -> Inbound:
        sender = fields.get("From", "").strip()
        message_id = fields.get("MessageSid", "").strip()
        if not sender or len(sender) > MAX_NUMBER_CHARS:
            raise Rejected(400, "The From field is missing")
        if not _MESSAGE_SID.match(message_id):
            raise Rejected(400, "The MessageSid field is missing")
        # A picture message without words has an empty Body: the gateway asks for a message.
        return Inbound(sender=sender, text=fields.get("Body", ""), message_id=message_id)

    def reply(self, text: str) -> Response:
        twiml = MessagingResponse()
        twiml.message(text)
        return Response(str(twiml), media_type=TWIML)

    def no_reply(self) -> Response:
        return Response(str(MessagingResponse()), media_type=TWIML)
