"""5,000 generated messages through the gateway and the real engine: no 5xx, every reply fits.

Unicode from many scripts, emoji, right-to-left text and bidi controls, control characters,
10,000-character messages, SQL and HTML injection, empty messages and forged commands
(tests/e2e/fuzz_messages.py). Most go through the web chat's webhook, a share through the
signed SMS webhook, where every reply must also stay within 3 SMS segments.
"""

from __future__ import annotations

import asyncio
import random
import uuid
import xml.etree.ElementTree as ET

import httpx
from twilio.request_validator import RequestValidator

from bot.channels.sms.render import MAX_SEGMENTS, segments
from tests.e2e.conftest import E2E_TWILIO_TOKEN
from tests.e2e.fuzz_messages import messages

TOTAL = 5_000  # every kind of message below hundreds of times; 10,000 took 3 minutes of make test
SMS_SHARE = 0.3
CONCURRENCY = 12
SENDERS = 1_000  # about five messages each: odd conversations, not only odd first messages
WEB_REPLY_CHARS = 2000  # the web chat shows this comfortably; the longest full answers are ~1,000
SMS_PATH = "/webhooks/sms/twilio"


async def _web(client: httpx.AsyncClient, sender: str, text: str) -> list[str]:
    response = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert response.status_code == 200, (text[:80], response.status_code)
    body = response.json()
    assert isinstance(body, list) and body, (text[:80], "no reply")
    problems = []
    for message in body:
        reply = message.get("text") or ""
        if not reply and not message.get("buttons"):
            problems.append("an empty message")
        if len(reply) > WEB_REPLY_CHARS or "Traceback" in reply:
            problems.append(reply[:80])
    return problems


async def _sms(client: httpx.AsyncClient, number: str, text: str) -> list[str]:
    form = {"From": number, "To": "+447700900000", "Body": text, "MessageSid": f"SM{uuid.uuid4().hex}"}
    url = f"{client.base_url}{SMS_PATH}"
    signature = RequestValidator(E2E_TWILIO_TOKEN).compute_signature(url, form)
    response = await client.post(SMS_PATH, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code < 500, (text[:80], response.status_code)
    if response.status_code != 200:
        return [f"{response.status_code} for {text[:40]!r}"]
    replies = [element.text or "" for element in ET.fromstring(response.text).iter("Message")]
    # An empty response is right only after STOP-words, which the generator never sends.
    return (
        []
        if replies and all(segments(r) <= MAX_SEGMENTS for r in replies)
        else [f"sms reply {replies!r:.120}"]
    )


async def _send_all(gateway_url: str) -> list[str]:
    rng = random.Random(7)
    work = []
    for text in messages(TOTAL):
        who = rng.randrange(SENDERS)
        if rng.random() < SMS_SHARE:
            work.append((_sms, f"+447700{who:06d}", text))
        else:
            work.append((_web, f"fuzz-{who}", text))
    problems: list[str] = []
    queue: asyncio.Queue[tuple] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            send, sender, text = queue.get_nowait()
            problems.extend(await send(client, sender, text))

    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return problems


def test_five_thousand_hostile_messages(gateway_url: str) -> None:
    problems = asyncio.run(_send_all(gateway_url))
    assert not problems, problems[:5]
