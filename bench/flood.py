"""Flood benchmark: ten residents chat while one sender sends 500 messages at once, again and again.

    python bench/flood.py                       # the flood limits as configured (defaults)
    python bench/flood.py --limits off          # as before them: no queue, no rates (for comparison)
    python bench/flood.py --duration 20 --waves-every 5

It starts the whole bot (`bot.stack.Stack`) on free ports against a fresh SQLite database, then
runs two phases of `--duration` seconds with the same ten residents (each from an address of its
own, 127.0.0.2-11; the flooder from 127.0.0.1): first quiet, then with a wave of `--flood` (500)
concurrent messages from one sender every `--waves-every` seconds. Residents greet, ask a
question, find help near a postcode and say goodbye, thinking about `--think` seconds between
turns. It prints the residents' latencies in each phase (p50, p95, max), their apologies and
slow-downs (both should be 0), the ratio of the p95s (target: at most 2), what the flooder got
(answers, slow-downs, apologies) and how long a wave took; the last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import free_port, percentile  # noqa: E402
from bot.flood_limits import SLOW_DOWN  # noqa: E402

APOLOGY = "Sorry, I'm having a problem"
PATH = "/webhooks/rest/webhook"
SCRIPT = ["hello", "how do I get free mobile data", "find help near LS9 7BG", "is this a scam text", "bye"]
NO_LIMITS = {"MAX_WAITING_TURNS": "100000", "SENDER_TURNS_PER_MINUTE": "0", "ADDRESS_TURNS_PER_MINUTE": "0"}


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    apologies: int = 0
    slowed: int = 0
    flood_answered: int = 0
    flood_slowed: int = 0
    flood_apologies: int = 0
    flood_errors: int = 0
    wave_seconds: list[float] = field(default_factory=list)


def said(response: httpx.Response) -> str:
    if response.status_code != 200:
        return f"status {response.status_code}"
    return "\n".join(str(m.get("text") or "") for m in response.json())


def client(address: str, connections: int, timeout: float = 60) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    transport = httpx.AsyncHTTPTransport(local_address=address, limits=limits)
    return httpx.AsyncClient(transport=transport, timeout=timeout)


async def resident(url: str, number: int, phase: Phase, until: float, think: float) -> None:
    rng = random.Random(number)
    async with client(f"127.0.0.{number + 2}", 2) as web:
        await asyncio.sleep(rng.uniform(0, think))
        while time.monotonic() < until:
            sender = f"resident-{number}-{uuid.uuid4().hex[:8]}"
            for message in SCRIPT:
                if time.monotonic() >= until:
                    return
                started = time.monotonic()
                text = said(await web.post(url + PATH, json={"sender": sender, "message": message}))
                phase.latencies.append(time.monotonic() - started)
                phase.apologies += APOLOGY in text or text.startswith("status")
                phase.slowed += SLOW_DOWN in text
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))


async def post_raw(
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], host: str, body: bytes
) -> tuple[int, str]:
    """One POST on an open keep-alive connection: (status, the replies' text). Plain asyncio
    streams, since a full HTTP client with 500 connections costs more CPU than the gateway."""
    reader, writer = connection
    writer.write(
        f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    replies = json.loads(await reader.readexactly(length)) if status == 200 else []
    return status, "\n".join(str(m.get("text") or "") for m in replies)


async def flooder(url: str, phase: Phase, until: float, size: int, every: float) -> None:
    sender = f"flooder-{uuid.uuid4().hex[:8]}"
    host, port = url.removeprefix("http://").split(":")
    connections = [
        await asyncio.open_connection(host, int(port), local_addr=("127.0.0.1", 0)) for _ in range(size)
    ]
    try:
        while time.monotonic() < until:
            started = time.monotonic()
            bodies = [json.dumps({"sender": sender, "message": f"hello {n}"}).encode() for n in range(size)]
            jobs = [post_raw(c, host, b) for c, b in zip(connections, bodies, strict=True)]
            for result in await asyncio.gather(*jobs, return_exceptions=True):
                if isinstance(result, BaseException):
                    phase.flood_errors += 1
                    continue
                _, text = result
                phase.flood_slowed += text == SLOW_DOWN
                phase.flood_apologies += APOLOGY in text
                phase.flood_answered += text != SLOW_DOWN and APOLOGY not in text
            phase.wave_seconds.append(time.monotonic() - started)
            await asyncio.sleep(max(0.0, started + every - time.monotonic()))
    finally:
        for _, writer in connections:
            writer.close()


def flood_process(url: str, seconds: float, size: int, every: float, results: Any) -> None:
    """The flooder in a process of its own: its client's work must not hold up the residents'
    event loop (httpx with 500 connections is slow), or the figures would measure the benchmark."""
    phase = Phase("flooder")
    asyncio.run(flooder(url, phase, time.monotonic() + seconds, size, every))
    results.put(phase)


async def run_phase(url: str, name: str, args: argparse.Namespace, flood: bool) -> Phase:
    phase = Phase(name)
    results: multiprocessing.Queue[Phase] = multiprocessing.Queue()
    process = multiprocessing.Process(
        target=flood_process, args=(url, args.duration, args.flood, args.waves_every, results)
    )
    if flood:
        process.start()
    until = time.monotonic() + args.duration
    await asyncio.gather(*(resident(url, n, phase, until, args.think) for n in range(args.residents)))
    if flood:
        flooded = await asyncio.to_thread(results.get)
        process.join()
        for name_ in ("flood_answered", "flood_slowed", "flood_apologies", "flood_errors", "wave_seconds"):
            setattr(phase, name_, getattr(flooded, name_))
    return phase


def figures(phase: Phase) -> dict[str, Any]:
    ordered = sorted(phase.latencies)
    return {
        "turns": len(ordered),
        "p50_ms": round(percentile(ordered, 0.5) * 1000, 1),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
        "apologies": phase.apologies,
        "slowed": phase.slowed,
        "flood": {
            "waves": len(phase.wave_seconds),
            "answered": phase.flood_answered,
            "slowed": phase.flood_slowed,
            "apologies": phase.flood_apologies,
            "errors": phase.flood_errors,
            "wave_seconds": [round(s, 2) for s in phase.wave_seconds],
        },
    }


def start_bot(limits: bool, log_dir: Path, tmp: str) -> Any:
    from bot.settings import get_settings
    from bot.stack import Ports, Stack, current_model

    env = {
        "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bot.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{Path(tmp) / 'tracker.db'}",
        "PSEUDONYM_SECRET": "bench-secret",
        "POSTCODE_AREAS": "LS",
        **({} if limits else NO_LIMITS),
    }
    subprocess.run(
        [sys.executable, "-m", "bot", "setup-db"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    ports = Ports(engine=free_port(), actions=free_port(), gateway=free_port())
    stack = Stack(model=current_model(get_settings().model_dir), ports=ports, env=env, log_dir=log_dir)
    stack.start()
    stack.wait_until_healthy(timeout_seconds=300)
    return stack


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limits", choices=("on", "off"), default="on")
    parser.add_argument("--residents", type=int, default=10)
    parser.add_argument("--flood", type=int, default=500, help="messages in one wave, all at once")
    parser.add_argument("--waves-every", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of each phase")
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--logs", type=Path, default=ROOT / "build" / "bench-flood")
    args = parser.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    began = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp:
        stack = start_bot(args.limits == "on", args.logs, tmp)
        try:
            url = stack.ports.gateway_url
            quiet = asyncio.run(run_phase(url, "quiet", args, flood=False))
            flooded = asyncio.run(run_phase(url, "flood", args, flood=True))
        finally:
            stack.stop()
    summary = {
        "limits": args.limits,
        "when": began.strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": round(load, 2),
        "quiet": figures(quiet),
        "flood": figures(flooded),
    }
    ratio = summary["flood"]["p95_ms"] / summary["quiet"]["p95_ms"] if summary["quiet"]["p95_ms"] else None
    summary["p95_ratio"] = round(ratio, 2) if ratio else None
    for name in ("quiet", "flood"):
        f = summary[name]
        print(
            f"{name:5}: {f['turns']} resident turns, p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, "
            f"max {f['max_ms']} ms, apologies {f['apologies']}, told to slow down {f['slowed']}"
        )
    print(f"p95 with the flood / without: {summary['p95_ratio']} (target <= 2)")
    print(f"flooder: {summary['flood']['flood']}")
    print(json.dumps(summary, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
