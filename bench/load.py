"""Load benchmark: simulated residents chatting through the gateway, as the web chat does.

    python bench/load.py                                       # 50 residents, 1 s think, 60 s
    python bench/load.py --residents 50 --think 1.0 --duration 60
    python bench/load.py --think 0 --residents 8               # saturation: the most turns/s
    python bench/load.py --residents 10 --duration 15 --warmup 5   # a quick run
    python bench/load.py --engines 2                            # two engine replicas (Redis locks)
    python bench/load.py --url http://127.0.0.1:8000            # a bot that is already running

It starts the whole bot (engine, action server, gateway: `bot.stack.Stack`) on free ports
against a fresh SQLite database and tracker store under a temporary folder, then runs N
residents at once. Each resident talks like a person: it greets the bot, asks a question or
two, finds help near a Leeds postcode (in one message, or the button then the postcode), may
take the 8-question confidence check (typing 1-4, as by SMS), says goodbye, and then a new
resident takes its place. After each reply it thinks (reads and types) for a random time
around `--think` seconds (uniform, from half to one and a half times it) before the next turn;
`--think 0` sends the next turn at once, to find the most turns per second the bot can take.

Turns of the first `--warmup` seconds are left out; the figures are over the `--duration`
seconds after them, with a fixed `--seed`. An error is a reply that is not 200, a request
that fails or takes longer than `--timeout`, or the gateway's apology ("Sorry, I'm having a
problem": the engine took longer than ENGINE_TIMEOUT_SECONDS or failed). Replies that do not
say what the script expects (the next question, the nearest venue) are counted apart as
"unexpected". Memory is each process's resident set (VmRSS, with its children), sampled twice
a second: idle before the load and its peak during it; CPU is each process's CPU time over
the measured window, per turn. `bench/load_baseline.py` drives a stock `rasa init` bot with
the same generator, for comparison.

Targets (2 cores): 50 residents, 0 errors, p95 <= 150 ms, >= 40 turns/s, engine memory <= 1.2 GB.
The last line printed is a JSON summary of everything (docs/performance.md is made from it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APOLOGY = "Sorry, I'm having a problem"
DEFAULT_REDIS = "redis://127.0.0.1:6379/2"
MB = 1_000_000
START_LOAD = round(os.getloadavg()[0], 2)  # before this run adds to it
TARGETS = {"residents": 50, "errors": 0, "p95_ms": 150.0, "turns_per_s": 40.0, "engine_rss_mb": 1200.0}


# --- what residents say ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One message (of a kind, for the figures by kind), and words its reply must contain (any of them)."""

    kind: str
    text: str
    expect: tuple[str, ...] = ()


Script = Callable[[random.Random], list[Step]]

GREETINGS = ["hello", "hi", "hiya", "good morning", "hello, can you help me"]
QUESTIONS = [
    "how do I get free mobile data",
    "is this a scam text",
    "cheap broadband",
    "how do i make an email address",
    "what is the nhs app",
    "can i get a cheap tablet",
]
POSTCODES = ["LS9 7BG", "LS1 3AB"]
NEAREST = {"LS9 7BG": "Compton Centre", "LS1 3AB": "Leeds Central Library"}
GOODBYES = ["thanks, bye", "bye", "thank you"]


def find_help(rng: random.Random) -> list[Step]:
    postcode = rng.choice(POSTCODES)
    found = (NEAREST[postcode],)
    if rng.random() < 0.5:
        steps = [Step("find help", f"find help near {postcode}", found)]
    else:
        steps = [Step("find help", "/find_help", ("postcode",)), Step("find help", postcode, found)]
    if rng.random() < 0.3:
        steps.append(Step("find help", "more"))
    return steps


def confidence_check(rng: random.Random) -> list[Step]:
    steps = [Step("confidence check", "/start_confidence_check", ("Question 1 of 8",))]
    for number in range(2, 9):
        steps.append(Step("confidence check", rng.choice("1234"), (f"Question {number} of 8",)))
    return [*steps, Step("confidence check", rng.choice("1234"), ("Your result",))]


def resident_conversation(rng: random.Random) -> list[Step]:
    """Greet, then some of: a question or two, find help, the confidence check; then goodbye."""
    questions = [Step("question", text) for text in rng.sample(QUESTIONS, rng.choice((1, 2)))]
    tasks = [questions, find_help(rng)]
    if rng.random() < 0.5:
        tasks.append(confidence_check(rng))
    rng.shuffle(tasks)
    middle = [step for task in tasks for step in task]
    return [Step("greet", rng.choice(GREETINGS)), *middle, Step("goodbye", rng.choice(GOODBYES))]


# --- the load ------------------------------------------------------------------------------------
@dataclass
class Turn:
    kind: str
    started: float
    seconds: float
    error: str | None  # "status 503", "timeout", "apology", "ConnectError"...
    unexpected: bool


@dataclass
class Run:
    url: str
    path: str
    script: Script
    residents: int
    think: float
    warmup: float
    duration: float
    timeout: float
    seed: int
    turns: list[Turn] = field(default_factory=list)
    conversations: int = 0
    measure_from: float = 0.0
    measure_to: float = 0.0


def classify(response: httpx.Response, expect: tuple[str, ...]) -> tuple[str | None, bool]:
    """(error, unexpected) for one reply."""
    if response.status_code != 200:
        return f"status {response.status_code}", False
    try:
        replies = response.json()
    except ValueError:
        return "not JSON", False
    texts = (
        [str(r.get("text") or "") for r in replies if isinstance(r, dict)]
        if isinstance(replies, list)
        else []
    )
    if any(text.startswith(APOLOGY) for text in texts):
        return "apology", False
    said = "\n".join(texts)
    unexpected = not replies or bool(expect and not any(word in said for word in expect))
    return None, unexpected


async def resident(run: Run, number: int, client: httpx.AsyncClient) -> None:
    """One seat: a resident talks, leaves, and the next one sits down, until the time is up."""
    rng = random.Random(run.seed * 1_000 + number)
    tag = uuid.uuid4().hex[:8]
    await asyncio.sleep(rng.uniform(0, max(run.think, 0.2)))  # people do not all arrive at once
    visit = 0
    while time.perf_counter() < run.measure_to:
        sender = f"bench-{tag}-{number}-{visit}"
        visit += 1
        started = time.perf_counter()
        for step in run.script(rng):
            body = {"sender": sender, "message": step.text}
            post = partial(client.post, run.path, json=body)
            taken = await timed_turn(run, rng, step, post, classify)
            if taken is None:
                return
            started = taken
        if started >= run.measure_from:
            run.conversations += 1


Judge = Callable[[httpx.Response, tuple[str, ...]], tuple[str | None, bool]]


async def timed_turn(
    run: Run,
    rng: random.Random,
    step: Step,
    post: Callable[[], Awaitable[httpx.Response]],
    judge: Judge,
) -> float | None:
    """One turn, timed and judged, then the resident's thinking time; None once the run is over.

    Shared by every driver (chat here, calls and texts in bench/voice_load.py) so that a turn is
    measured the same way whatever the channel. Returns when the turn started.
    """
    started = time.perf_counter()
    if started >= run.measure_to:
        return None
    try:
        error, unexpected = judge(await post(), step.expect)
    except httpx.TimeoutException:
        error, unexpected = "timeout", False
    except httpx.HTTPError as failure:
        error, unexpected = type(failure).__name__, False
    elapsed = time.perf_counter() - started
    if started >= run.measure_from:
        run.turns.append(Turn(step.kind, started, elapsed, error, unexpected))
    if run.think:
        await asyncio.sleep(run.think * rng.uniform(0.5, 1.5))
    return started


async def drive(run: Run) -> None:
    limits = httpx.Limits(max_connections=run.residents + 8, max_keepalive_connections=run.residents + 8)
    async with httpx.AsyncClient(base_url=run.url, timeout=run.timeout, limits=limits) as client:
        await asyncio.gather(*(resident(run, number, client) for number in range(run.residents)))


# --- the processes: memory and CPU ---------------------------------------------------------------
def process_tree(pid: int) -> list[int]:
    """The process and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def memory_bytes(pids: Sequence[int], field: str = "VmRSS") -> int:
    """Summed over the processes: VmRSS (resident) or RssAnon (resident and private to the process;
    the rest of VmRSS is shared libraries, which a second engine replica shares)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def cpu_seconds(pids: Sequence[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Watch:
    """Memory and CPU of the bot's processes (by name) while the load runs."""

    pids: dict[str, int]
    idle: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    private_peak: dict[str, int] = field(default_factory=dict)
    cpu_start: dict[str, float] = field(default_factory=dict)
    cpu_end: dict[str, float] = field(default_factory=dict)

    def trees(self) -> dict[str, list[int]]:
        return {name: process_tree(pid) for name, pid in self.pids.items()}

    async def sample(self, run: Run) -> None:
        trees = self.trees()
        self.idle = {name: memory_bytes(tree) for name, tree in trees.items()}
        self.peak = dict(self.idle)
        self.private_peak = {name: memory_bytes(tree, "RssAnon") for name, tree in trees.items()}
        while True:
            now = time.perf_counter()
            if now >= run.measure_from and not self.cpu_start:
                self.cpu_start = {name: cpu_seconds(tree) for name, tree in trees.items()}
                self.cpu_start["load generator"] = _own_cpu()
            if now >= run.measure_to and not self.cpu_end:
                self.cpu_end = {name: cpu_seconds(tree) for name, tree in trees.items()}
                self.cpu_end["load generator"] = _own_cpu()
            for name, tree in trees.items():
                self.peak[name] = max(self.peak[name], memory_bytes(tree))
                self.private_peak[name] = max(self.private_peak[name], memory_bytes(tree, "RssAnon"))
            await asyncio.sleep(0.5)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(
    run: Run, watch: Watch | None, driver: Callable[[Run], Awaitable[None]] | None = None
) -> None:
    """The load (`driver`: other seats than chatting residents, as bench/voice_load.py's) while watching."""
    run.measure_from = time.perf_counter() + run.warmup
    run.measure_to = run.measure_from + run.duration
    sampler = asyncio.create_task(watch.sample(run)) if watch else None
    await asyncio.sleep(0)
    try:
        await (driver or drive)(run)
        await asyncio.sleep(0.6)  # let the sampler see the end of the window
    finally:
        if sampler:
            sampler.cancel()


# --- figures -------------------------------------------------------------------------------------
def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def latency(turns: list[Turn]) -> dict[str, Any]:
    times = sorted(turn.seconds * 1000 for turn in turns)
    return {
        "turns": len(times),
        "p50_ms": round(percentile(times, 0.50), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "max_ms": round(times[-1], 1) if times else None,
    }


def summarise(run: Run, watch: Watch | None, label: str, engines: list[str]) -> dict[str, Any]:
    errors: dict[str, int] = {}
    for turn in run.turns:
        if turn.error:
            errors[turn.error] = errors.get(turn.error, 0) + 1
    kinds = sorted({turn.kind for turn in run.turns})
    summary: dict[str, Any] = {
        "bench": label,
        "taken": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_start": START_LOAD,
            "load_average_end": round(os.getloadavg()[0], 2),
        },
        "residents": run.residents,
        "think_s": run.think,
        "think_spread": "uniform 0.5-1.5 x think" if run.think else "none",
        "warmup_s": run.warmup,
        "duration_s": run.duration,
        "seed": run.seed,
        **latency(run.turns),
        "conversations": run.conversations,
        "turns_per_s": round(len(run.turns) / run.duration, 1),
        "errors": sum(errors.values()),
        "errors_by_kind": errors,
        "unexpected": sum(1 for turn in run.turns if turn.unexpected),
        "by_kind": {kind: latency([turn for turn in run.turns if turn.kind == kind]) for kind in kinds},
    }
    if watch:
        summary["rss_idle_mb"] = {name: round(value / MB) for name, value in watch.idle.items()}
        summary["rss_peak_mb"] = {name: round(value / MB) for name, value in watch.peak.items()}
        summary["private_peak_mb"] = {name: round(value / MB) for name, value in watch.private_peak.items()}
        if engines:
            summary["engine_rss_mb"] = max(round(watch.peak[name] / MB) for name in engines)
        if watch.cpu_start and watch.cpu_end and run.turns:
            used = {name: watch.cpu_end[name] - watch.cpu_start[name] for name in watch.cpu_end}
            summary["cpu_ms_per_turn"] = {
                name: round(s * 1000 / len(run.turns), 1) for name, s in used.items()
            }
            summary["cpu_share_of_machine"] = round(
                sum(used.values()) / (run.duration * (os.cpu_count() or 1)), 2
            )
    return summary


def checks(summary: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(figure, value, target, met?): met is None where there is no target, or not at full load."""
    full = summary["residents"] >= TARGETS["residents"]
    rss = summary.get("engine_rss_mb")
    errors = f"{summary['errors']} {summary['errors_by_kind'] or ''}".strip()
    return [
        ("residents at once", str(summary["residents"]), str(TARGETS["residents"]), None),
        ("think time", f"{summary['think_s']} s ({summary['think_spread']})", "~1 s", None),
        ("turns measured", f"{summary['turns']} in {summary['duration_s']:.0f} s", "", None),
        ("errors", errors, "0", summary["errors"] == TARGETS["errors"]),
        ("unexpected replies", str(summary["unexpected"]), "", None),
        ("p50 turn latency", f"{summary['p50_ms']} ms", "", None),
        ("p95 turn latency", f"{summary['p95_ms']} ms", "<= 150 ms", summary["p95_ms"] <= TARGETS["p95_ms"]),
        ("p99 turn latency", f"{summary['p99_ms']} ms", "", None),
        (
            "throughput",
            f"{summary['turns_per_s']} turns/s",
            ">= 40 turns/s",
            summary["turns_per_s"] >= TARGETS["turns_per_s"] if full else None,
        ),
        (
            "engine memory, peak",
            f"{rss} MB" if rss else "n/a",
            "<= 1,200 MB",
            rss <= TARGETS["engine_rss_mb"] if rss else None,
        ),
    ]


def report(summary: dict[str, Any]) -> None:
    """The table (figure, value, target, met?), latency by kind, the processes; the JSON summary last."""
    machine = summary["machine"]
    print(
        f"\n{summary['bench']}: {machine['cpus']} CPUs, load average {machine['load_average_start']} "
        f"at start, {machine['load_average_end']} at end ({summary['taken']})"
    )
    rows = checks(summary)
    width = max(len(value) for _, value, _, _ in rows)
    print(f"{'figure':<22} {'value':<{width}}  {'target':<14} met?")
    for name, value, target, met in rows:
        print(f"{name:<22} {value:<{width}}  {target:<14} {'' if met is None else ('yes' if met else 'NO')}")
    print(f"\n{'kind of turn':<18} {'turns':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, figures in summary["by_kind"].items():
        p50, p95, p99 = figures["p50_ms"], figures["p95_ms"], figures["p99_ms"]
        print(f"{kind:<18} {figures['turns']:>6} {p50:>8} {p95:>8} {p99:>8}")
    if "rss_peak_mb" in summary:
        cpu = summary.get("cpu_ms_per_turn", {})
        columns = ("RSS idle MB", "RSS peak MB", "private MB", "CPU ms/turn")
        print(f"\n{'process':<16} " + " ".join(f"{column:>12}" for column in columns))
        for name in [*summary["rss_peak_mb"], "load generator"]:
            idle, peak = summary["rss_idle_mb"].get(name, ""), summary["rss_peak_mb"].get(name, "")
            private = summary["private_peak_mb"].get(name, "")
            print(f"{name:<16} {idle:>12} {peak:>12} {private:>12} {cpu.get(name, ''):>12}")
        if "cpu_share_of_machine" in summary:
            print(
                f"CPU used by these processes: {summary['cpu_share_of_machine']:.0%} of the machine's cores"
            )
    print(json.dumps(summary, separators=(",", ":")), flush=True)


# --- starting the bot ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def our_bot(
    engines: int,
    tracker_store: str | None,
    redis_url: str | None,
    log_dir: Path,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Any]:
    """The whole bot on free ports, against a fresh database and tracker store (`extra_env`:
    more settings, e.g. the SMS and voice webhooks for bench/voice_load.py)."""
    from bot.settings import get_settings
    from bot.stack import Ports, Stack, current_model

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        env = {
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bot.db'}",
            "TRACKER_STORE_URL": tracker_store or f"sqlite:///{Path(tmp) / 'tracker.db'}",
            "PSEUDONYM_SECRET": "bench-secret",
            "POSTCODE_AREAS": "LS",
            # All the simulated residents send from 127.0.0.1: no per-address flood limit.
            "ADDRESS_TURNS_PER_MINUTE": "0",
            **(extra_env or {}),
        }
        if engines > 1 or redis_url:
            env["REDIS_URL"] = redis_url or DEFAULT_REDIS
        print("setting up a fresh database...", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "bot", "setup-db"],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        ports = Ports(
            engine=free_port(),
            more_engines=tuple(free_port() for _ in range(engines - 1)),
            actions=free_port(),
            gateway=free_port(),
        )
        stack = Stack(model=current_model(get_settings().model_dir), ports=ports, env=env, log_dir=log_dir)
        print(
            f"starting {engines} engine(s), the action server and the gateway...", file=sys.stderr, flush=True
        )
        stack.start()
        try:
            stack.wait_until_healthy(timeout_seconds=300)
            yield stack
        finally:
            stack.stop()


def arguments(description: str, default_residents: int = 50) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--residents", type=int, default=default_residents, help="residents at once")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between turns, s (0: none)")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of load before measuring")
    parser.add_argument("--timeout", type=float, default=10.0, help="a turn longer than this is an error, s")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--url", help="drive this running bot instead of starting one")
    parser.add_argument(
        "--pids", type=watched, default={}, help="with --url: processes to watch, e.g. engine=123,gateway=456"
    )
    return parser


def watched(value: str) -> dict[str, int]:
    """ "engine=123,gateway=456" -> {"engine": 123, "gateway": 456}."""
    pairs = [item.split("=", 1) for item in value.split(",") if item]
    return {name.strip(): int(pid) for name, pid in pairs}


def drive_running(args: argparse.Namespace, script: Script, label: str) -> None:
    """--url: the load on a bot started elsewhere, watching the --pids given (if any)."""
    run = run_load(args, args.url.rstrip("/"), "/webhooks/rest/webhook", script)
    watch = Watch(args.pids) if args.pids else None
    asyncio.run(measure(run, watch))
    report(summarise(run, watch, label, [name for name in args.pids if name.startswith("engine")]))


def run_load(args: argparse.Namespace, url: str, path: str, script: Script) -> Run:
    return Run(
        url, path, script, args.residents, args.think, args.warmup, args.duration, args.timeout, args.seed
    )


def main() -> None:
    parser = arguments(__doc__ or "")
    parser.add_argument("--engines", type=int, default=1, help="engine replicas behind the gateway")
    parser.add_argument(
        "--tracker-store", help="the engine's tracker store URL (default: a fresh SQLite file)"
    )
    parser.add_argument(
        "--redis", help=f"Redis for locks and gateway state (with --engines 2+: {DEFAULT_REDIS})"
    )
    parser.add_argument(
        "--logs", type=Path, default=ROOT / "build" / "bench-load", help="the processes' logs"
    )
    args = parser.parse_args()
    label = f"Get Online, {args.engines} engine(s)"
    if args.url:
        drive_running(args, resident_conversation, f"Get Online at {args.url}")
        return
    args.logs.mkdir(parents=True, exist_ok=True)
    for old in args.logs.glob("*.log"):
        old.unlink()
    with our_bot(args.engines, args.tracker_store, args.redis, args.logs) as stack:
        pids = {name: process.pid for name, process in stack.processes.items()}
        run = run_load(args, stack.ports.gateway_url, "/webhooks/rest/webhook", resident_conversation)
        watch = Watch(pids)
        asyncio.run(measure(run, watch))
    engines = [name for name in pids if name.startswith("engine")]
    report(summarise(run, watch, label, engines))


if __name__ == "__main__":
    main()
