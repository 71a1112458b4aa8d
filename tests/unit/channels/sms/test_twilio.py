"""The Twilio provider with Twilio's own RequestValidator: genuine, forged and proxied requests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from starlette.requests import Request
from twilio.request_validator import HMAC_SHA256, RequestValidator

from bot.channels.sms.providers.base import Rejected
from bot.channels.sms.providers.twilio import TwilioProvider

TOKEN = "test-token"
PUBLIC = "https://bot.example.org"
PATH = "/webhooks/sms/twilio"
FIELDS = {
    "From": "+447700900123",
    "To": "+447700900999",
    "Body": "Hello & <welcome>",
    "MessageSid": "SM0123456789abcdef0123456789abcdef",
    "NumMedia": "0",
}


def make_request(
    body: bytes,
    headers: dict[str, str] | None = None,
    *,
    host: str = "127.0.0.1:8000",
    scheme: str = "http",
    query: str = "",
    content_type: str = "application/x-www-form-urlencoded",
) -> Request:
    """A request as the gateway receives it (behind a proxy: the internal host and plain http)."""
    headers = {"content-length": str(len(body)), **{k.lower(): v for k, v in (headers or {}).items()}}
    raw_headers = [(b"host", host.encode())]
    if content_type:
        raw_headers.append((b"content-type", content_type.encode()))
    raw_headers += [(k.encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": scheme,
        "server": tuple(host.split(":")) if ":" in host else (host, 80),
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": query.encode(),
        "headers": raw_headers,
    }
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


def signed(url: str, fields: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, fields)}


async def check(provider: TwilioProvider, request: Request) -> bool:
    return provider.verify(request, await provider.fields(request))


async def test_a_request_signed_for_the_public_address_is_genuine() -> None:
    provider = TwilioProvider(TOKEN, PUBLIC)
    body = urlencode(FIELDS).encode()
    assert await check(provider, make_request(body, signed(PUBLIC + PATH, FIELDS)))


async def test_a_trailing_slash_on_the_public_address_does_not_matter() -> None:
    provider = TwilioProvider(TOKEN, PUBLIC + "/")
    body = urlencode(FIELDS).encode()
    assert await check(provider, make_request(body, signed(PUBLIC + PATH, FIELDS)))


async def test_behind_a_proxy_the_request_url_is_not_what_twilio_signed() -> None:
    provider = TwilioProvider(TOKEN, PUBLIC)
    body = urlencode(FIELDS).encode()
    internal = "http://127.0.0.1:8000" + PATH
    assert not await check(provider, make_request(body, signed(internal, FIELDS)))


async def test_without_a_public_address_the_request_url_is_checked() -> None:
    provider = TwilioProvider(TOKEN)
    body = urlencode(FIELDS).encode()
    url = "https://bot.example.org" + PATH
    request = make_request(body, signed(url, FIELDS), host="bot.example.org", scheme="https")
    assert await check(provider, request)
    assert not await check(provider, make_request(body, signed(PUBLIC + PATH, FIELDS)))


async def test_the_query_string_is_part_of_the_signed_url() -> None:
    provider = TwilioProvider(TOKEN, PUBLIC)
    body = urlencode(FIELDS).encode()
    assert await check(provider, make_request(body, signed(PUBLIC + PATH + "?x=1", FIELDS), query="x=1"))
    assert not await check(provider, make_request(body, signed(PUBLIC + PATH, FIELDS), query="x=1"))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "forged+signature="},
        signed(PUBLIC + PATH, FIELDS, token="someone-elses-token"),
        signed(PUBLIC + PATH, {**FIELDS, "Body": "something else"}),
    ],
    ids=["missing", "empty", "made-up", "wrong-token", "changed-body"],
)
async def test_forged_or_missing_signatures_are_refused(headers: dict[str, str]) -> None:
    provider = TwilioProvider(TOKEN, PUBLIC)
    assert not await check(provider, make_request(urlencode(FIELDS).encode(), headers))


async def test_a_shared_key_signature_needs_the_shared_key() -> None:
    key = "shared-key-secret"
    header = {
        "X-Twilio-Signature": RequestValidator(key).compute_signature(PUBLIC + PATH, FIELDS, HMAC_SHA256),
        "X-Twilio-Webhooks-Signature-Settings": "key=KS123,algorithm=HMAC_SHA256",
    }
    body = urlencode(FIELDS).encode()
    assert not await check(TwilioProvider(TOKEN, PUBLIC), make_request(body, header))
    assert await check(TwilioProvider(TOKEN, PUBLIC, shared_key_secret=key), make_request(body, header))


def test_a_message_is_read_from_the_fields() -> None:
    inbound = TwilioProvider(TOKEN).parse({**FIELDS})  # type: ignore[arg-type]
    assert (inbound.sender, inbound.text, inbound.message_id) == (
        "+447700900123",
        "Hello & <welcome>",
        FIELDS["MessageSid"],
    )
    picture_only = TwilioProvider(TOKEN).parse({"From": "+447700900123", "MessageSid": "MM1"})  # type: ignore[arg-type]
    assert picture_only.text == ""


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"Body": "hi", "MessageSid": "SM1"}, "From"),
        ({"From": " ", "Body": "hi", "MessageSid": "SM1"}, "From"),
        ({"From": "+447700900123", "Body": "hi"}, "MessageSid"),
        ({"From": "+447700900123", "Body": "hi", "MessageSid": "SM<script>"}, "MessageSid"),
    ],
)
def test_missing_fields_are_a_400(fields: dict[str, str], reason: str) -> None:
    with pytest.raises(Rejected) as error:
        TwilioProvider(TOKEN).parse(fields)  # type: ignore[arg-type]
    assert error.value.status_code == 400 and reason in error.value.reason


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"From": "+44"}', "application/json", 415),
        (b"From=%2B44", "", 415),
        (b"Body=" + b"x" * 70_000, "application/x-www-form-urlencoded", 413),
        (b"Body=\xff\xfe", "application/x-www-form-urlencoded", 400),
        (b"&".join(b"f%d=1" % i for i in range(500)), "application/x-www-form-urlencoded", 400),
    ],
    ids=["json", "no-type", "too-large", "not-utf8", "too-many-fields"],
)
async def test_bodies_that_are_not_a_twilio_form_are_refused(
    body: bytes, content_type: str, status: int
) -> None:
    with pytest.raises(Rejected) as error:
        await TwilioProvider(TOKEN).fields(make_request(body, content_type=content_type))
    assert error.value.status_code == status


async def test_a_lying_content_length_is_refused() -> None:
    request = make_request(b"From=1", {"content-length": "999999999"})
    with pytest.raises(Rejected) as error:
        await TwilioProvider(TOKEN).fields(request)
    assert error.value.status_code == 413


def test_the_reply_is_escaped_twiml() -> None:
    response = TwilioProvider(TOKEN).reply('Fish & chips <b>"now"</b>\nLine 2')
    assert response.media_type == "text/xml"
    root = ET.fromstring(response.body)
    assert root.tag == "Response"
    [message] = list(root)
    assert message.tag == "Message" and message.text == 'Fish & chips <b>"now"</b>\nLine 2'


def test_no_reply_is_an_empty_response() -> None:
    response = TwilioProvider(TOKEN).no_reply()
    root = ET.fromstring(response.body)
    assert root.tag == "Response" and list(root) == []
