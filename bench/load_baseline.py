"""The same load on a stock `rasa init` bot, served alone by `rasa run`: the figures to compare with.

    python bench/load_baseline.py                                  # 50 residents, 1 s think, 60 s
    python bench/load_baseline.py --residents 50 --think 1.0 --duration 60
    python bench/load_baseline.py --think 0 --residents 8          # saturation
    python bench/load_baseline.py --residents 10 --duration 15 --warmup 5   # a quick run

The bot is Rasa's own starter project (`rasa init --no-prompt`), built once under
`build/bench-baseline/` (training takes a minute or more; it is rebuilt only when its model
is missing, or with `--rebuild`). It runs with `rasa run --enable-api`: the plain REST channel,
the default in-memory tracker and lock stores, Rasa's default pipeline and policies (DIET,
TEDPolicy...), no action server (its stories need none). There is no gateway, database or
action server in front or behind it, so it shows what the Rasa engine costs on this machine
by itself.

Residents follow the starter bot's stories, as ours follow theirs: greet, say how they feel
(great; or sad, then whether the picture helped), sometimes ask whether it is a bot, and say
goodbye; then a new resident takes the seat. Think time, warm-up, errors and figures are
those of `bench/load.py` (an error here: not 200, a failed request, or a timeout).
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # bench/load.py, beside this file
from load import ROOT, Step

BASELINE_DIR = ROOT / "build" / "bench-baseline"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
QUIET = {"TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}

GREETINGS = ["hello", "hi", "hey there", "good morning"]
GREAT = ["I am great", "amazing", "I am feeling very good", "wonderful"]
SAD = ["I am sad", "very bad", "unhappy", "not very good"]


def starter_conversation(rng: random.Random) -> list[Step]:
    """The starter bot's stories: happy path, sad path 1 (it helped), sad path 2 (it did not)."""
    steps = [Step("greet", rng.choice(GREETINGS), ("How are you",))]
    if rng.random() < 0.5:
        steps.append(Step("mood", rng.choice(GREAT), ("Great, carry on",)))
    else:
        steps.append(Step("mood", rng.choice(SAD), ("Did that help",)))
        helped = rng.random() < 0.5
        steps.append(
            Step("affirm or deny", "yes" if helped else "no", ("Great, carry on",) if helped else ("Bye",))
        )
    if rng.random() < 0.3:
        steps.append(Step("bot challenge", "are you a bot?", ("I am a bot",)))
    return [*steps, Step("goodbye", "bye", ("Bye",))]


def model_ready() -> bool:
    return any((BASELINE_DIR / "models").glob("*.tar.gz"))


def build(rebuild: bool) -> None:
    """`rasa init --no-prompt` into build/bench-baseline (it trains the model), unless done already."""
    if model_ready() and not rebuild:
        return
    BASELINE_DIR.mkdir(parents=True, exist_ok=True)
    log = BASELINE_DIR.parent / "bench-baseline.log"
    print(f"building the stock Rasa bot in {BASELINE_DIR} (log: {log})...", file=sys.stderr, flush=True)
    with log.open("wb") as output:
        subprocess.run(
            [str(RASA_PYTHON), "-m", "rasa", "init", "--no-prompt", "--init-dir", str(BASELINE_DIR)],
            cwd=ROOT,
            env={**os.environ, **QUIET},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=True,
        )
    if not model_ready():
        raise SystemExit(f"rasa init made no model: see {log}")


@contextmanager
def stock_rasa(log_dir: Path, ready_timeout: float = 300) -> Iterator[tuple[str, int]]:
    """`rasa run --enable-api` on a free port; yields its URL and process id."""
    port = load.free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(RASA_PYTHON), "-m", "rasa", "run", "--enable-api",
        "--interface", "127.0.0.1", "--port", str(port),
        "--model", "models", "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
    ]  # fmt: skip
    print("starting the stock Rasa server...", file=sys.stderr, flush=True)
    with (log_dir / "baseline-engine.log").open("wb") as output:
        process = subprocess.Popen(
            command, cwd=BASELINE_DIR, env={**os.environ, **QUIET}, stdout=output, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_model(url, process, ready_timeout)
            yield url, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_model(url: str, process: subprocess.Popen[bytes], timeout_seconds: float = 300) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"rasa run exited with code {process.returncode} while starting")
        try:
            status = httpx.get(f"{url}/status", timeout=2)
            if status.status_code == 200 and status.json().get("model_file"):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the stock Rasa server was not ready after {timeout_seconds:.0f} s")


def main() -> None:
    parser = load.arguments(__doc__ or "")
    parser.add_argument("--rebuild", action="store_true", help="run `rasa init` again even if built")
    parser.add_argument("--logs", type=Path, default=ROOT / "build" / "bench-load", help="the server's log")
    args = parser.parse_args()
    label = "stock rasa init bot (rasa run, REST, in-memory tracker store)"
    if args.url:
        load.drive_running(args, starter_conversation, f"stock rasa init bot at {args.url}")
        return
    build(args.rebuild)
    with stock_rasa(args.logs) as (url, pid):
        run = load.run_load(args, url, "/webhooks/rest/webhook", starter_conversation)
        watch = load.Watch({"engine": pid})
        asyncio.run(load.measure(run, watch))
    load.report(load.summarise(run, watch, label, ["engine"]))


if __name__ == "__main__":
    main()
