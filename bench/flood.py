"""Flood benchmark: ten residents chat while one sender sends 500 messages at once, again and again.

    python bench/flood.py                       # the flood limits as configured (defaults)
    python bench/flood.py --limits off          # as before them: no queue, no rates (for comparison)
    python bench/flood.py --rounds 3 --duration 15 --waves-every 5
    python bench/flood.py --profile build/bench-flood   # py-spy flame graph of the gateway in a flood

It starts the whole bot (`bot.stack.Stack`) on free ports against a fresh SQLite database, then
runs `--rounds` rounds of two phases of `--duration` seconds with the same ten residents (each
from an address of its own, 127.0.0.2-11; the flooder from 127.0.0.1): quiet, and with a wave
of `--flood` (500) concurrent messages from one sender every `--waves-every` seconds. The phases
alternate quiet-flood, flood-quiet, ... so that the other work on a shared machine, which drifts
over minutes, weighs on both alike. Residents greet, ask a question, find help near a postcode
and say goodbye, thinking about `--think` seconds between turns.

It prints the residents' latencies in each kind of phase, pooled over the rounds (p50, p95,
max), their apologies and slow-downs (both should be 0), the ratio of the p95s (target: at most
2) and each round's ratio, what the flooder got (answers, slow-downs, apologies), how long a
wave took, the CPU each process used per phase, and the gateway's extra CPU per flood message
(the flood phase's gateway CPU less the quiet phase's, over the messages: what a refusal costs,
whatever else the machine is doing). The last line is JSON.
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

from bench.load import cpu_seconds, free_port, percentile, process_tree  # noqa: E402
from bot.messages import SLOW_DOWN  # noqa: E402

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
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    load_average: float = 0.0


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

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(host, int(port), local_addr=("127.0.0.1", 0))

    connections = [await connect() for _ in range(size)]
    try:
        while time.monotonic() < until:
            started = time.monotonic()
            bodies = [json.dumps({"sender": sender, "message": f"hello {n}"}).encode() for n in range(size)]
            jobs = [post_raw(c, host, b) for c, b in zip(connections, bodies, strict=True)]
            results = await asyncio.gather(*jobs, return_exceptions=True)
            for number, result in enumerate(results):
                if isinstance(result, BaseException):
                    # Mostly a keep-alive connection the server closed as idle (uvicorn: 5 s)
                    # just as the wave began: counted, and opened again for the next wave.
                    phase.flood_errors += 1
                    connections[number][1].close()
                    connections[number] = await connect()
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
    cpu = time.process_time()
    asyncio.run(flooder(url, phase, time.monotonic() + seconds, size, every))
    # Its own CPU: on this machine the flood's client shares the 2 cores with the bot.
    phase.cpu_seconds = {"flooder": round(time.process_time() - cpu, 2)}
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
        phase.cpu_seconds = dict(flooded.cpu_seconds)
    return phase


def measured_phase(
    url: str, name: str, args: argparse.Namespace, pids: dict[str, int], profile: Path | None = None
) -> Phase:
    """One phase, with the CPU each of the bot's processes used during it and the load average;
    `profile`: a py-spy flame graph of the gateway during it, written there."""
    trees = {process: process_tree(pid) for process, pid in pids.items()}
    before = {process: cpu_seconds(tree) for process, tree in trees.items()}
    load = os.getloadavg()[0]
    spy = profile_gateway(profile, pids["gateway"], args.duration) if profile else None
    phase = asyncio.run(run_phase(url, name, args, flood=name == "flood"))
    if spy is not None:
        spy.wait()
    phase.cpu_seconds.update(
        {process: round(cpu_seconds(tree) - before[process], 2) for process, tree in trees.items()}
    )
    phase.load_average = round(load, 2)
    return phase


def profile_gateway(out: Path, pid: int, seconds: float) -> subprocess.Popen[bytes]:
    spy = Path(sys.executable).with_name("py-spy")
    command = [str(spy), "record", "--pid", str(pid), "--duration", str(int(seconds)), "-o", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def figures(phases: list[Phase], flood_size: int) -> dict[str, Any]:
    """Pooled over the rounds: the residents' latencies, what the flooder got, CPU per process."""
    ordered = sorted(latency for phase in phases for latency in phase.latencies)
    waves = [seconds for phase in phases for seconds in phase.wave_seconds]
    cpu: dict[str, float] = {}
    for phase in phases:
        for process, seconds in phase.cpu_seconds.items():
            cpu[process] = round(cpu.get(process, 0.0) + seconds, 2)
    return {
        "turns": len(ordered),
        "p50_ms": round(percentile(ordered, 0.5) * 1000, 1),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
        "apologies": sum(phase.apologies for phase in phases),
        "slowed": sum(phase.slowed for phase in phases),
        "cpu_seconds": cpu,
        "load_average": [phase.load_average for phase in phases],
        "flood": {
            "waves": len(waves),
            "messages": len(waves) * flood_size,
            "answered": sum(phase.flood_answered for phase in phases),
            "slowed": sum(phase.flood_slowed for phase in phases),
            "apologies": sum(phase.flood_apologies for phase in phases),
            "errors": sum(phase.flood_errors for phase in phases),
            "wave_seconds": [round(s, 2) for s in waves],
        },
    }


def p95_ms(phase: Phase) -> float:
    return percentile(sorted(phase.latencies), 0.95) * 1000


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
    parser.add_argument("--rounds", type=int, default=3, help="quiet and flood phases, alternating")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of each phase")
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--logs", type=Path, default=ROOT / "build" / "bench-flood")
    parser.add_argument("--profile", type=Path, default=None, help="write a py-spy flame graph here")
    args = parser.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    began = datetime.now(UTC)
    phases: dict[str, list[Phase]] = {"quiet": [], "flood": []}
    rounds: list[float | None] = []
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp:
        stack = start_bot(args.limits == "on", args.logs, tmp)
        try:
            url = stack.ports.gateway_url
            pids = {name: process.pid for name, process in stack.processes.items()}
            asyncio.run(run_phase(url, "warm-up", argparse.Namespace(**{**vars(args), "duration": 5}), False))
            for number in range(args.rounds):
                order = ("quiet", "flood") if number % 2 == 0 else ("flood", "quiet")
                profile = args.profile / "gateway-flood.svg" if args.profile and number == 0 else None
                done = {
                    name: measured_phase(url, name, args, pids, profile if name == "flood" else None)
                    for name in order
                }
                for name, phase in done.items():
                    phases[name].append(phase)
                quiet_p95 = p95_ms(done["quiet"])
                rounds.append(round(p95_ms(done["flood"]) / quiet_p95, 2) if quiet_p95 else None)
        finally:
            stack.stop()
    summary: dict[str, Any] = {
        "limits": args.limits,
        "when": began.strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": round(load, 2),
        "load_average_at_end": round(os.getloadavg()[0], 2),
        "rounds": args.rounds,
        "quiet": figures(phases["quiet"], args.flood),
        "flood": figures(phases["flood"], args.flood),
        "p95_ratio_each_round": rounds,
    }
    ratio = summary["flood"]["p95_ms"] / summary["quiet"]["p95_ms"] if summary["quiet"]["p95_ms"] else None
    summary["p95_ratio"] = round(ratio, 2) if ratio else None
    messages = summary["flood"]["flood"]["messages"]
    extra = summary["flood"]["cpu_seconds"].get("gateway", 0) - summary["quiet"]["cpu_seconds"].get(
        "gateway", 0
    )
    summary["gateway_extra_cpu_us_per_flood_message"] = round(extra / messages * 1e6) if messages else None
    for name in ("quiet", "flood"):
        f = summary[name]
        print(
            f"{name:5}: {f['turns']} resident turns, p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, "
            f"max {f['max_ms']} ms, apologies {f['apologies']}, told to slow down {f['slowed']}, "
            f"CPU s {f['cpu_seconds']}, load average {f['load_average']}"
        )
    print(f"p95 with the flood / without: {summary['p95_ratio']} (target <= 2); each round: {rounds}")
    print(f"gateway's extra CPU per flood message: {summary['gateway_extra_cpu_us_per_flood_message']} us")
    print(f"flooder: {summary['flood']['flood']}")
    print(json.dumps(summary, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
