"""Voice load benchmark: callers and texters at once, so a voice turn's p95 sits beside an SMS turn's.

    python bench/voice_load.py                                  # 40 people (half call, half text), 60 s
    python bench/voice_load.py --residents 20 --duration 30 --warmup 5

A caller must never wait in silence: each answer Twilio waits for is one webhook, and this
measures it as Twilio would see it. The whole bot starts as in bench/load.py (`our_bot`), with
the SMS and voice webhooks on (LOCAL_WEBHOOKS, so requests are signed for the gateway's own
address). Half the seats are callers: they ring (the call webhook), ask a question in words,
find help by a spoken postcode (read back, then key 1: the read-back is the channel's own
answer, with no engine turn, and is counted apart), and may take the confidence check on the
keypad. The other half text the same things through the SMS webhook (bench/load.py's
conversation). Every request is signed with Twilio's RequestValidator, as Twilio signs it.

Figures are by channel ("voice", "sms") and by kind; an error is a status other than 200, a
failed or timed-out request, or the apology. The last line printed is the JSON summary.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # bench/load.py, beside this file
from load import ROOT, Run, Step

TOKEN = "bench-twilio-token"
LINE = "+441134960000"
CALL_PATH = "/webhooks/voice/twilio"
GATHER_PATH = "/webhooks/voice/twilio/gather"
SMS_PATH = "/webhooks/sms/twilio"
APOLOGY_WORDS = "having a problem"
SPOKEN_POSTCODES = {"L S nine, seven B G": "Compton Centre", "L S one, three A B": "Leeds Central Library"}


def call_steps(rng: random.Random) -> list[tuple[Step, dict[str, str]]]:
    """One call: (step, the fields of its webhook); the path is in the step's kind."""
    steps: list[tuple[Step, dict[str, str]]] = [(Step("voice call", CALL_PATH, ("Press 1",)), {})]
    for question in rng.sample(load.QUESTIONS, rng.choice((1, 2))):
        steps.append((Step("voice question", GATHER_PATH), {"SpeechResult": question, "Confidence": "0.9"}))
    spoken, nearest = rng.choice(list(SPOKEN_POSTCODES.items()))
    steps.append(
        (Step("voice read-back", GATHER_PATH, ("Press 1 if",)), {"SpeechResult": spoken, "Confidence": "0.9"})
    )
    steps.append((Step("voice find help", GATHER_PATH, (nearest,)), {"Digits": "1"}))
    if rng.random() < 0.5:
        steps.append((Step("voice menu", GATHER_PATH, ("press 2",)), {"Digits": "#"}))
        steps.append((Step("voice confidence check", GATHER_PATH, ("Question",)), {"Digits": "2"}))
        for _ in range(8):
            steps.append((Step("voice confidence check", GATHER_PATH), {"Digits": rng.choice("1234")}))
    return steps


def text_steps(rng: random.Random) -> list[tuple[Step, dict[str, str]]]:
    return [
        (Step(f"sms {step.kind}", SMS_PATH, step.expect), {"Body": step.text})
        for step in load.resident_conversation(rng)
    ]


def signed(url: str, fields: dict[str, str]) -> dict[str, str]:
    from twilio.request_validator import RequestValidator

    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, fields)}


def classify(response: httpx.Response, expect: tuple[str, ...]) -> tuple[str | None, bool]:
    if response.status_code != 200:
        return f"status {response.status_code}", False
    body = response.text
    if APOLOGY_WORDS in body:
        return "apology", False
    return None, bool(expect and not any(word in body for word in expect))


async def person(run: Run, number: int, client: httpx.AsyncClient) -> None:
    """One seat: even seats call, odd ones text; when one leaves, the next takes the seat."""
    rng = random.Random(run.seed * 1_000 + number)
    await asyncio.sleep(rng.uniform(0, max(run.think, 0.2)))
    caller = number % 2 == 0
    started = time.perf_counter()
    while time.perf_counter() < run.measure_to:
        phone = "+4477009" + f"{uuid.uuid4().int % 100_000:05d}"
        call = f"CA{uuid.uuid4().hex}"
        for step, extra in call_steps(rng) if caller else text_steps(rng):
            if caller:
                fields = {"CallSid": call, "From": phone, "To": LINE, **extra}
            else:
                fields = {"From": phone, "To": LINE, "MessageSid": f"SM{uuid.uuid4().hex}", **extra}
            post = partial(client.post, step.text, data=fields, headers=signed(run.url + step.text, fields))
            taken = await load.timed_turn(run, rng, step, post, classify)
            if taken is None:
                return
            started = taken
        if started >= run.measure_from:
            run.conversations += 1


async def drive(run: Run) -> None:
    limits = httpx.Limits(max_connections=run.residents + 8, max_keepalive_connections=run.residents + 8)
    async with httpx.AsyncClient(base_url=run.url, timeout=run.timeout, limits=limits) as client:
        await asyncio.gather(*(person(run, number, client) for number in range(run.residents)))


def by_channel(run: Run) -> dict[str, Any]:
    """Latency of engine turns by channel (the voice read-back, which has none, apart)."""
    voice = [t for t in run.turns if t.kind.startswith("voice") and t.kind != "voice read-back"]
    sms = [t for t in run.turns if t.kind.startswith("sms")]
    return {"voice": load.latency(voice), "sms": load.latency(sms)}


def main() -> None:
    parser = load.arguments(__doc__ or "", default_residents=40)
    parser.add_argument(
        "--logs", type=Path, default=ROOT / "build" / "bench-voice", help="the processes' logs"
    )
    args = parser.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    env = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "LOCAL_WEBHOOKS": "true",
        "VOICE_NUMBER": LINE,
        # Every seat is a new number, but a busy machine should not hold turns back.
        "SENDER_TURNS_PER_MINUTE": "0",
    }
    with load.our_bot(1, None, None, args.logs, extra_env=env) as stack:
        pids = {name: process.pid for name, process in stack.processes.items()}
        run = load.run_load(args, stack.ports.gateway_url, "", load.resident_conversation)
        watch = load.Watch(pids)
        asyncio.run(load.measure(run, watch, drive))  # the seats call and text instead of chatting
    engines = [name for name in pids if name.startswith("engine")]
    summary = load.summarise(run, watch, "Get Online, calls and texts at once", engines)
    summary["by_channel"] = by_channel(run)
    unexpected: dict[str, int] = {}
    for turn in run.turns:
        if turn.unexpected:
            unexpected[turn.kind] = unexpected.get(turn.kind, 0) + 1
    summary["unexpected_by_kind"] = unexpected
    print(f"\n{'channel':<8} {'turns':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for channel, figures in summary["by_channel"].items():
        p50, p95, p99 = figures["p50_ms"], figures["p95_ms"], figures["p99_ms"]
        print(f"{channel:<8} {figures['turns']:>6} {p50:>8} {p95:>8} {p99:>8}")
    load.report(summary)


if __name__ == "__main__":
    main()
