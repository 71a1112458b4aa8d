"""Get Online against a stock `rasa init` bot, under the same residents, in one run: the ratios.

    python bench/compare.py                    # make bench-compare: about 6 minutes
    python bench/compare.py --quick            # shorter windows, for trying the script
    python bench/compare.py --before /tmp/old  # also a checkout of an earlier commit: before/after

Absolute times on a shared 2-core machine move with the other work on it; ratios taken in one
run, one bot right after the other, move much less. For each bot this starts it (ours: engine,
action server and gateway, `bench/load.py`; the stock one: `rasa run`, `bench/load_baseline.py`),
then measures with the generator of `bench/load.py`:

1. saturation: 8 residents who never pause (`--think 0`): turns per second, and the CPU time of
   each process per turn (engine, action server, gateway; the stock bot has only its engine);
2. latency: 50 residents with about 1 s of thought between turns: p95;
3. the engine's peak memory (VmRSS) over both.

It prints, per bot, the figures and each process's CPU per turn, then the four ratios (ours /
stock) against the targets of issue 18, with the load average (`uptime`) at the start and the
end. The last line printed is a JSON summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # bench/load.py, beside this file
import load_baseline

# Targets, as ratios of ours to the stock bot's, taken in one run (issue 18).
TARGETS = {
    "saturation": (">=", 3.0),
    "p95": ("<=", 0.25),
    "cpu_per_turn": ("<=", 0.5),
    "engine_memory": ("<=", 0.35),
}
SERVING = ("engine", "actions", "gateway")  # the bot's own processes (not the load generator)


def uptime() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{datetime.now(UTC):%H:%M:%S} UTC, load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def phase(
    url: str,
    pids: dict[str, int],
    script: load.Script,
    residents: int,
    think: float,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One measured window on a running bot."""
    window = args.saturation_seconds if think == 0 else args.latency_seconds
    run = load.Run(
        url, "/webhooks/rest/webhook", script, residents, think, args.warmup, window, 10.0, args.seed
    )
    watch = load.Watch(pids)
    asyncio.run(load.measure(run, watch))
    return load.summarise(run, watch, "", ["engine"])


def measure_bot(
    name: str, start: Callable[[], AbstractContextManager[tuple[str, dict[str, int]]]], script: load.Script,
    args: argparse.Namespace,
) -> dict[str, Any]:  # fmt: skip
    print(f"\n== {name}: starting ({uptime()})", file=sys.stderr, flush=True)
    with start() as (url, pids):
        saturation = phase(url, pids, script, 8, 0.0, args)
        print(f"   saturation: {saturation['turns_per_s']} turns/s ({uptime()})", file=sys.stderr, flush=True)
        latency = phase(url, pids, script, 50, 1.0, args)
        print(f"   50 residents: p95 {latency['p95_ms']} ms ({uptime()})", file=sys.stderr, flush=True)
    cpu = saturation.get("cpu_ms_per_turn", {})
    cpu_at_50 = latency.get("cpu_ms_per_turn", {})
    return {
        "bot": name,
        "saturation_turns_per_s": saturation["turns_per_s"],
        "saturation_errors": saturation["errors"],
        "p95_ms": latency["p95_ms"],
        "p50_ms": latency["p50_ms"],
        "turns_per_s_at_50": latency["turns_per_s"],
        "errors_at_50": latency["errors"],
        "unexpected": saturation["unexpected"] + latency["unexpected"],
        # CPU per turn from the saturation window, where turns complete: at 50 residents on a
        # loaded machine many turns end in the gateway's apology, which costs little.
        "cpu_ms_per_turn": {process: cpu[process] for process in SERVING if process in cpu},
        "cpu_ms_per_turn_total": round(sum(cpu.get(process, 0.0) for process in SERVING), 1),
        "cpu_ms_per_turn_at_50": round(sum(cpu_at_50.get(process, 0.0) for process in SERVING), 1),
        "load_generator_cpu_ms_per_turn": cpu.get("load generator"),
        "engine_peak_mb": max(saturation["engine_rss_mb"], latency["engine_rss_mb"]),
        "load_average": [saturation["machine"]["load_average_start"], latency["machine"]["load_average_end"]],
    }


def ours(args: argparse.Namespace) -> Iterator[tuple[str, dict[str, int]]]:
    logs = args.logs
    logs.mkdir(parents=True, exist_ok=True)
    with load.our_bot(1, None, None, logs) as stack:
        yield stack.ports.gateway_url, {name: process.pid for name, process in stack.processes.items()}


# Started in the other checkout's own Python and code; prints where its bot is, then waits for stdin to close.
_START_ELSEWHERE = """
import json, sys
sys.path[:0] = [sys.argv[1] + "/bench", sys.argv[1]]
import load
from pathlib import Path
with load.our_bot(1, None, None, Path(sys.argv[2])) as stack:
    pids = {name: process.pid for name, process in stack.processes.items()}
    print(json.dumps({"url": stack.ports.gateway_url, "pids": pids}), flush=True)
    sys.stdin.read()
"""


def elsewhere(checkout: Path, args: argparse.Namespace) -> Iterator[tuple[str, dict[str, int]]]:
    """The bot of another checkout (an earlier commit), started by that checkout's own code."""
    import subprocess

    python = str(checkout / ".venv" / "bin" / "python")
    command = [python, "-c", _START_ELSEWHERE, str(checkout), str(args.logs / "before")]
    process = subprocess.Popen(
        command, cwd=checkout, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        started = json.loads(process.stdout.readline() or "null")
        if not started:
            raise SystemExit(f"the bot in {checkout} did not start")
        yield started["url"], started["pids"]
    finally:
        process.stdin.close()
        process.wait(timeout=120)


def stock(args: argparse.Namespace) -> Iterator[tuple[str, dict[str, int]]]:
    load_baseline.build(rebuild=False)
    # Loading TensorFlow and the stock model took over 5 minutes on the shared machine.
    with load_baseline.stock_rasa(args.logs, ready_timeout=900) as (url, pid):
        yield url, {"engine": pid}


def ratios(mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, float]:
    return {
        "saturation": round(mine["saturation_turns_per_s"] / theirs["saturation_turns_per_s"], 2),
        "p95": round(mine["p95_ms"] / theirs["p95_ms"], 2),
        "cpu_per_turn": round(mine["cpu_ms_per_turn_total"] / theirs["cpu_ms_per_turn_total"], 2),
        "engine_memory": round(mine["engine_peak_mb"] / theirs["engine_peak_mb"], 2),
    }


def met(name: str, value: float) -> bool:
    sense, target = TARGETS[name]
    return value >= target if sense == ">=" else value <= target


def report(results: dict[str, dict[str, Any]], found: dict[str, float], started: str, ended: str) -> None:
    stock_bot, our_bot = results["stock"], results["ours"]
    print(f"\nbench/compare.py: {os.cpu_count()} CPUs; start {started}; end {ended}")
    rows = [
        ("saturation, 8 residents, no think", "saturation", "turns/s", "saturation_turns_per_s"),
        ("p95, 50 residents, 1 s think", "p95", "ms", "p95_ms"),
        ("CPU per turn, whole stack, 8 residents", "cpu_per_turn", "ms", "cpu_ms_per_turn_total"),
        ("engine memory, peak", "engine_memory", "MB", "engine_peak_mb"),
    ]
    print(f"{'figure':<36} {'stock':>10} {'Get Online':>11} {'ratio':>7} {'target':>8}  met?")
    for label, key, unit, field in rows:
        sense, target = TARGETS[key]
        print(
            f"{label:<36} {stock_bot[field]:>7} {unit:<3}{our_bot[field]:>8} {unit:<3}{found[key]:>6}x"
            f" {sense}{target:>5}x  {'yes' if met(key, found[key]) else 'NO'}"
        )
    for result in results.values():
        parts = ", ".join(f"{process} {ms}" for process, ms in result["cpu_ms_per_turn"].items())
        generator = result["load_generator_cpu_ms_per_turn"]
        errors = f"{result['saturation_errors']} + {result['errors_at_50']}"
        print(
            f"{result['bot']}: CPU ms per turn {parts} (load generator {generator}); errors {errors},"
            f" unexpected {result['unexpected']}; at 50 residents {result['turns_per_s_at_50']} turns/s,"
            f" p50 {result['p50_ms']} ms, CPU {result['cpu_ms_per_turn_at_50']} ms per turn"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--saturation-seconds", type=float, default=30.0, help="measured window, 8 residents")
    parser.add_argument("--latency-seconds", type=float, default=45.0, help="measured window, 50 residents")
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds of load before each window")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="15 s windows, 4 s warm-up")
    parser.add_argument(
        "--before", type=Path, help="also measure the bot of this checkout (an earlier commit)"
    )
    parser.add_argument(
        "--logs", type=Path, default=load.ROOT / "build" / "bench-compare", help="the processes' logs"
    )
    args = parser.parse_args()
    if args.quick:
        args.saturation_seconds = args.latency_seconds = 15.0
        args.warmup = 4.0
    started = uptime()
    from contextlib import contextmanager

    results = {
        "stock": measure_bot(
            "stock rasa init", contextmanager(lambda: stock(args)), load_baseline.starter_conversation, args
        ),
        "ours": measure_bot(
            "Get Online", contextmanager(lambda: ours(args)), load.resident_conversation, args
        ),
    }
    if args.before:
        results["before"] = measure_bot(
            f"Get Online before ({args.before})",
            contextmanager(lambda: elsewhere(args.before, args)),
            load.resident_conversation,
            args,
        )
    ended = uptime()
    found = ratios(results["ours"], results["stock"])
    report(results, found, started, ended)
    if args.before:
        earlier = ratios(results["before"], results["stock"])
        print("before: " + ", ".join(f"{key} {value}x" for key, value in earlier.items()))
        results["before"]["ratios"] = earlier
    print(
        json.dumps(
            {
                "bench": "compare",
                "taken": datetime.now(UTC).isoformat(timespec="seconds"),
                "start": started,
                "end": ended,
                "ratios": found,
                "met": {key: met(key, value) for key, value in found.items()},
                **results,
            },
            separators=(",", ":"),
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
