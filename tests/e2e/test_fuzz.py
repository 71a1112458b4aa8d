"""10,000 generated messages through the gateway and the real engine: no 5xx, every reply fits.

Unicode from many scripts, emoji, right-to-left text and bidi controls, control characters,
10,000-character messages, SQL and HTML injection, empty messages and forged commands. Sent
concurrently from a few hundred senders, so conversations get long and odd too.
"""

from __future__ import annotations

import asyncio
import random

import httpx

from tests.e2e.fuzz_messages import messages

TOTAL = 10_000
CONCURRENCY = 12
SENDERS = 300
WEB_REPLY_CHARS = 2000  # what the web chat shows comfortably; the longest full answers are ~1,000


async def _send_all(gateway_url: str) -> list[tuple[str, int, object]]:
    rng = random.Random(7)
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for text in messages(TOTAL):
        queue.put_nowait((f"fuzz-{rng.randrange(SENDERS)}", text))
    results: list[tuple[str, int, object]] = []

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            sender, text = queue.get_nowait()
            response = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
            body = (
                response.json()
                if response.headers.get("content-type", "").startswith("application/json")
                else None
            )
            results.append((text, response.status_code, body))

    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return results


def test_ten_thousand_hostile_messages(gateway_url: str) -> None:
    results = asyncio.run(_send_all(gateway_url))
    assert len(results) == TOTAL
    server_errors = [(text[:80], status) for text, status, _ in results if status >= 500]
    assert not server_errors, server_errors[:5]
    problems = []
    for text, status, body in results:
        if status != 200 or not isinstance(body, list) or not body:
            problems.append((text[:80], status, "no reply"))
            continue
        for message in body:
            reply = message.get("text") or ""
            if not reply and not message.get("buttons"):
                problems.append((text[:80], status, "an empty message"))
            if len(reply) > WEB_REPLY_CHARS or "Traceback" in reply:
                problems.append((text[:80], status, reply[:80]))
    assert not problems, problems[:5]
