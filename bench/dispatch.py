"""Dispatch benchmark: due reminders sent by two dispatchers through fake Telegram and SMS APIs.

    python bench/dispatch.py                         # 10,000 reminders, falling due over 400 s
    python bench/dispatch.py --messages 2000         # a quicker run
    python bench/dispatch.py --rate 25               # reminders falling due per second

It makes a fresh PostgreSQL schema (TEST_POSTGRES_URL, default the local test server), starts
the fake Bot API and the fake Twilio API on loopback (tests/fakes), and schedules the
reminders through the real tables: half on Telegram (two messages for each chat, due at the
same moment, so one chat's messages must be paced 1 s apart), half by SMS (one per number).
Their due times are spread evenly at `--rate` a second from the start, as a morning's
reminders would fall due. Then two dispatcher processes (two gateway replicas, the gateway's
own `Dispatcher.run_forever`, the real senders with python-telegram-bot's AIORateLimiter at
TELEGRAM_OUTBOUND_PER_SECOND each) run until nothing is pending.

It reports: messages delivered once / twice / never, Telegram's busiest second (limit ~30/s
per bot) and the shortest gap between two messages to one chat (limit ~1/s), dispatch lag
(arrival at the fake API minus due time) p50/p95/max per channel, and for Telegram also the lag
over the limits (arrival minus when a perfect sender within Telegram's limits could have sent it:
`lags_over_limits`),
the figure the 2 s target is for, and each dispatcher's
resident memory (VmRSS) sampled every second: at start, peak, at the end.
The last line printed is a JSON summary (docs/performance.md is made from it).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "880001:BENCH-dispatch"
PARAMS = {
    "session": "Get online drop-in",
    "day": "Tuesday 8 December",
    "time": "10am",
    "place": "Leeds Central Library",
    "address": "Calverley Street, LS1 3AB",
    "phone": "0113 378 5005",
}


def rss_mb(pid: int | None = None) -> float:
    for line in Path(f"/proc/{pid or os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- one dispatcher process ------------------------------------------------------------------


async def worker(name: str, poll: float) -> None:
    """A gateway replica's dispatcher, built from the environment as the gateway builds it."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from bot.db.models import OutboundMessage
    from bot.db.session import get_engine
    from bot.gateway.state import MemoryState
    from bot.outbound.wiring import dispatcher_from
    from bot.settings import get_settings

    settings = get_settings()
    dispatcher = dispatcher_from(settings, None, MemoryState())
    dispatcher.name = name
    samples = [rss_mb()]
    task = asyncio.create_task(dispatcher.run_forever(poll))
    database = get_engine(settings.database_url)

    def left() -> int:
        with Session(database) as session:
            return (
                session.scalar(select(func.count()).where(OutboundMessage.status.in_(["pending", "sending"])))
                or 0
            )

    while await asyncio.to_thread(left):
        await asyncio.sleep(1.0)
        samples.append(rss_mb())
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await dispatcher.aclose()
    samples.append(rss_mb())
    print(json.dumps({"name": name, "rss_mb": samples}))


# --- the benchmark ---------------------------------------------------------------------------


def schedule(url: str, keys: str, messages: int, rate: float, start: datetime) -> dict[str, Any]:
    """Contacts and due messages, written in bulk through the real tables."""
    from sqlalchemy import create_engine, insert

    from bot.db.models import OutboundContact, OutboundMessage
    from bot.outbound import ContactCipher

    cipher = ContactCipher.from_setting(keys)
    telegram_chats = messages // 4  # two messages each: half the messages
    sms_numbers = messages - 2 * telegram_chats
    contacts: list[dict[str, Any]] = []
    plan: list[tuple[str, str]] = []  # (conversation, channel) in due order
    for n in range(telegram_chats):
        contacts.append(_contact(cipher, f"t{n}", "telegram", str(200_000 + n), start))
        plan += [(f"t{n}", "telegram"), (f"t{n}", "telegram")]
    for n in range(sms_numbers):
        contacts.append(_contact(cipher, f"s{n}", "sms", f"+4477009{n:05d}", start))
        plan.append((f"s{n}", "sms"))
    # Interleave the channels so both fall due at the same pace.
    telegram = [p for p in plan if p[1] == "telegram"]
    sms = [p for p in plan if p[1] == "sms"]
    order: list[tuple[str, str]] = []
    while telegram or sms:
        order += telegram[:2]
        telegram = telegram[2:]
        order += sms[:2]
        sms = sms[2:]
    database = create_engine(url)
    with database.begin() as connection:
        ids = {
            row.conversation_id: row.id
            for row in connection.execute(
                insert(OutboundContact).returning(OutboundContact.id, OutboundContact.conversation_id),
                contacts,
            )
        }
        rows = []
        for index, (conversation, channel) in enumerate(order):
            # The two messages of a chat are due at the same moment: pacing keeps them 1 s apart.
            slot = index - (index % 2) if channel == "telegram" else index
            rows.append(
                {
                    "conversation_id": conversation,
                    "contact_id": ids[conversation],
                    "channel": channel,
                    "kind": "reminder",
                    "due_at": start + timedelta(seconds=slot / rate),
                    "status": "pending",
                    "attempts": 0,
                    "content": {"template": "reminder", "params": PARAMS},
                }
            )
        connection.execute(insert(OutboundMessage), rows)
    database.dispose()
    return {
        "telegram_chats": telegram_chats,
        "sms_numbers": sms_numbers,
        "due_over_seconds": len(order) / rate,
    }


def _contact(cipher: Any, conversation: str, channel: str, address: str, now: datetime) -> dict[str, Any]:
    return {
        "conversation_id": conversation,
        "channel": channel,
        "address_encrypted": cipher.encrypt(address),
        "consented_at": now,
        "consent": "reminders",
    }


def due_times(url: str) -> dict[tuple[str, str], list[datetime]]:
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from bot.db.models import OutboundMessage

    database = create_engine(url)
    with Session(database) as session:
        rows = session.execute(
            select(OutboundMessage.conversation_id, OutboundMessage.due_at, OutboundMessage.status)
        ).all()
    database.dispose()
    out: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for conversation, due, status in rows:
        out[(conversation, status)].append(due)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="reminders falling due per second")
    parser.add_argument("--per-replica", type=float, default=14.0, help="TELEGRAM_OUTBOUND_PER_SECOND each")
    parser.add_argument("--poll", type=float, default=1.0, help="DISPATCH_POLL_SECONDS")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        profile = os.environ.get("BENCH_PROFILE")  # a directory: each dispatcher's cProfile there
        if profile:
            import cProfile

            cProfile.runctx(
                "asyncio.run(worker(args.worker, args.poll))",
                globals(),
                {"args": args, "asyncio": asyncio, "worker": worker},
                str(Path(profile) / f"{args.worker}.prof"),
            )
        else:
            asyncio.run(worker(args.worker, args.poll))
        return

    from cryptography.fernet import Fernet

    from bot.db import migrate
    from tests.conftest import postgres_schema
    from tests.fakes.telegram_api import FakeBotApi
    from tests.fakes.twilio_api import FakeTwilioApi

    bot_api, twilio_api = FakeBotApi(TOKEN).start(), FakeTwilioApi().start()
    keys = Fernet.generate_key().decode()
    with postgres_schema() as url:
        migrate.upgrade(url)
        # The dispatcher processes take a few seconds to start: the first reminder is due after.
        lead = 10 + args.messages / 2000
        start_wall = datetime.now(UTC) + timedelta(seconds=lead)
        start_mono = time.monotonic() + lead
        setup = schedule(url, keys, args.messages, args.rate, start_wall)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "OUTBOUND_KEYS": keys,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": bot_api.base_url,
            "TELEGRAM_OUTBOUND_PER_SECOND": str(args.per_replica),
            "TWILIO_ACCOUNT_SID": twilio_api.account_sid,
            "TWILIO_AUTH_TOKEN": twilio_api.auth_token,
            "TWILIO_FROM_NUMBER": "+447700900000",
            "TWILIO_API_BASE_URL": twilio_api.base_url,
            "QUIET_HOURS_START": "0",
            "QUIET_HOURS_END": "0",  # the benchmark runs whatever the time of day
            "DISPATCH_BATCH": "50",
        }
        began = time.monotonic()
        workers = [
            subprocess.Popen(
                [sys.executable, __file__, "--worker", f"replica-{n}", "--poll", str(args.poll)],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for n in (1, 2)
        ]
        reports = [json.loads((w.communicate()[0] or "{}").strip().splitlines()[-1]) for w in workers]
        elapsed = time.monotonic() - began
        dues = due_times(url)
    bot_api.stop()
    twilio_api.stop()
    print(
        json.dumps(
            summarise(args, setup, bot_api, twilio_api, dues, start_wall, start_mono, reports, elapsed)
        )
    )


def lags_over_limits(sends: list[Any], sent_due: dict[str, list[datetime]], mono: Any) -> list[float]:
    """Each Telegram message's arrival minus the moment a perfect sender could have sent it.

    A chat's two messages are due at the same moment, but Telegram allows about one message a
    second in a chat (and 30 a second per bot), so the second cannot arrive before a second
    after the first. The perfect sender is simulated from the due times alone: in due order,
    each message at max(its due time, a second after that chat's previous one, a second after
    the 30th before it). Its schedule does not depend on when the real dispatchers sent, so a
    backlog of theirs (a stall, then catching up at the full rate) counts as lag, as it should.
    Arrival minus due alone ("lag_p95_s") also counts the second Telegram enforces: it is
    reported too, but the 2 s target is for this figure.
    """
    slots: list[tuple[float, int, int]] = []  # (due, chat, k-th message of the chat)
    for call_chat in {int(call.chat_id or 0) for call in sends}:
        for k, due in enumerate(sent_due.get(f"t{call_chat - 200_000}", [])):
            slots.append((mono(due), call_chat, k))
    slots.sort()
    ideal: dict[tuple[int, int], float] = {}
    placed: list[float] = []  # the perfect sender's times so far, sorted
    for due, chat, k in slots:
        moment = due if k == 0 else max(due, ideal[(chat, k - 1)] + 1.0)
        while True:  # at most 30 in any second
            window = bisect.bisect_right(placed, moment) - bisect.bisect_right(placed, moment - 1.0)
            if window < 30:
                break
            moment = placed[bisect.bisect_right(placed, moment - 1.0)] + 1.0
        ideal[(chat, k)] = moment
        bisect.insort(placed, moment)
    by_chat: dict[int, list[float]] = defaultdict(list)
    for call in sends:
        by_chat[int(call.chat_id or 0)].append(call.at)
    return [
        at - ideal[(chat, k)]
        for chat, ats in by_chat.items()
        for k, at in enumerate(sorted(ats))
        if (chat, k) in ideal
    ]


def summarise(
    args: argparse.Namespace,
    setup: dict[str, Any],
    bot_api: Any,
    twilio_api: Any,
    dues: dict[tuple[str, str], list[datetime]],
    start_wall: datetime,
    start_mono: float,
    reports: list[dict[str, Any]],
    elapsed: float,
) -> dict[str, Any]:
    sends = [c for c in bot_api.snapshot() if c.method == "sendMessage"]
    texts = twilio_api.snapshot()
    per_chat = Counter(c.chat_id for c in sends)
    per_number = Counter(t.to for t in texts)
    expected_chats, expected_numbers = setup["telegram_chats"], setup["sms_numbers"]
    # Telegram's busiest second, over windows starting at each send.
    times = sorted(c.at for c in sends)
    busiest, j = 0, 0
    for i, at in enumerate(times):
        while times[j] < at - 1.0:
            j += 1
        busiest = max(busiest, i - j + 1)
    by_chat: dict[int, list[float]] = defaultdict(list)
    for c in sends:
        by_chat[int(c.chat_id or 0)].append(c.at)
    gaps = [b - a for ats in by_chat.values() for a, b in zip(sorted(ats), sorted(ats)[1:], strict=False)]

    def lag(at: float, due: datetime) -> float:
        return (start_wall + timedelta(seconds=at - start_mono) - due).total_seconds()

    sent_due = {conversation: sorted(d) for (conversation, status), d in dues.items() if status == "sent"}
    telegram_lags, first_lags = [], []
    for chat, ats in by_chat.items():
        due = sent_due.get(f"t{chat - 200_000}", [])
        lags = [lag(at, d) for at, d in zip(sorted(ats), due, strict=False)]
        telegram_lags += lags
        first_lags += lags[:1]
    allowed_lags = lags_over_limits(sends, sent_due, lambda d: start_mono + (d - start_wall).total_seconds())
    sms_lags = [
        lag(t.at, sent_due[f"s{int(t.to[-5:])}"][0]) for t in texts if f"s{int(t.to[-5:])}" in sent_due
    ]
    statuses = Counter(status for (_, status), d in dues.items() for _ in d)
    return {
        "taken_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores (shared)",
        "messages": args.messages,
        "due_rate_per_second": args.rate,
        "telegram_per_replica_per_second": args.per_replica,
        "statuses": dict(statuses),
        "telegram": {
            "chats": expected_chats,
            "messages_sent": len(sends),
            "every_chat_exactly_two": len(per_chat) == expected_chats and set(per_chat.values()) == {2},
            "busiest_second": busiest,
            "shortest_gap_in_a_chat_s": round(min(gaps), 3) if gaps else None,
            "gaps_under_1s": sum(g < 0.999 for g in gaps),
            "lag_p50_s": round(percentile(telegram_lags, 0.5), 2),
            "lag_p95_s": round(percentile(telegram_lags, 0.95), 2),
            "lag_max_s": round(max(telegram_lags, default=0.0), 2),
            # Arrival minus when a perfect sender within Telegram's limits could (lags_over_limits):
            # the figure the 2 s target is for.
            "lag_over_limits_p50_s": round(percentile(allowed_lags, 0.5), 2),
            "lag_over_limits_p95_s": round(percentile(allowed_lags, 0.95), 2),
            "lag_over_limits_max_s": round(max(allowed_lags, default=0.0), 2),
            # The first message of each chat; the second waits its turn (1 s after the first).
            "first_in_chat_lag_p50_s": round(percentile(first_lags, 0.5), 2),
            "first_in_chat_lag_p95_s": round(percentile(first_lags, 0.95), 2),
        },
        "sms": {
            "numbers": expected_numbers,
            "texts_sent": len(texts),
            "every_number_exactly_once": len(per_number) == expected_numbers
            and set(per_number.values()) == {1},
            "lag_p50_s": round(percentile(sms_lags, 0.5), 2),
            "lag_p95_s": round(percentile(sms_lags, 0.95), 2),
            "lag_max_s": round(max(sms_lags, default=0.0), 2),
        },
        "dispatchers": [
            {
                "name": r.get("name"),
                "rss_mb_start": round(r["rss_mb"][0], 1),
                # A quarter, half and three quarters of the way through the run: flat or growing.
                "rss_mb_quarters": [round(r["rss_mb"][len(r["rss_mb"]) * q // 4], 1) for q in (1, 2, 3)],
                "rss_mb_peak": round(max(r["rss_mb"]), 1),
                "rss_mb_end": round(r["rss_mb"][-1], 1),
            }
            for r in reports
            if r.get("rss_mb")
        ],
        "elapsed_s": round(elapsed, 1),
    }


if __name__ == "__main__":
    main()
