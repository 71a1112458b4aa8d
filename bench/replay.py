"""Replay recorded conversations and check that the engine decides exactly as it did before a change.

    python bench/replay.py --record build/replay.json     # before the change
    python bench/replay.py --check build/replay.json      # after it: exit 1 on any difference

A change made for speed must not change what the bot understands or does. This starts the whole
bot (as bench/load.py does: fresh SQLite database and tracker store) and plays a fixed set of
conversations, one turn at a time, straight to the engine's gateway channel (the webhook the
gateway calls, with the engine's token): the residents of bench/load.py for seeds 0 to
`--conversations` (greetings, questions, find help by message or by button and postcode, the
confidence check, goodbyes), and conversations of the fuzz test's odd and hostile messages
(tests/e2e/fuzz_messages.py). For each turn it records what the message was understood as
(intent, confidence to 6 places, entities) and the replies (text, buttons, custom payloads); for
each conversation, every action the engine ran, with the policy that chose it, and the slots
set, from the engine's tracker (`GET /conversations/<id>/tracker`). `--check` compares all of it
with a recording and prints the first differences; a list of places near a postcode is compared
by its places and their distances only, since when each one's next session is depends on the
time of day. The new recording is written beside the old one (`<name>.new.json`) either way.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # bench/load.py, beside this file

sys.path.insert(0, str(load.ROOT))

from tests.e2e import fuzz_messages


def conversations(count: int, fuzzed: int) -> list[tuple[str, list[str]]]:
    """(sender, messages): the load's residents for seeds 0..count-1, then fuzzed ones of 8 turns."""
    played = [
        (f"replay-{seed}", [step.text for step in load.resident_conversation(random.Random(seed))])
        for seed in range(count)
    ]
    odd = list(fuzz_messages.messages(fuzzed * 8, seed=2026))
    for number in range(fuzzed):
        played.append((f"replay-odd-{number}", odd[number * 8 : number * 8 + 8]))
    return played


def rounded(parse: dict[str, Any]) -> dict[str, Any]:
    return {**parse, "confidence": round(float(parse.get("confidence") or 0.0), 6)}


def replies(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keep = ("text", "buttons", "custom", "image", "attachment")
    return [{key: message[key] for key in keep if message.get(key) is not None} for message in messages]


def decisions(tracker: dict[str, Any]) -> dict[str, Any]:
    """The actions run (with the policy that chose each) and the slots set, in order."""
    events = tracker.get("events") or []
    return {
        "actions": [
            [event.get("name"), event.get("policy")] for event in events if event.get("event") == "action"
        ],
        "slots": [
            [event.get("name"), event.get("value")] for event in events if event.get("event") == "slot"
        ],
    }


def play(engine_url: str, token: str, played: list[tuple[str, list[str]]]) -> dict[str, Any]:
    recording: dict[str, Any] = {}
    with httpx.Client(base_url=engine_url, params={"token": token}, timeout=60) as client:
        for sender, messages in played:
            turns = []
            for text in messages:
                response = client.post("/webhooks/gateway/webhook", json={"sender": sender, "message": text})
                response.raise_for_status()
                answer = response.json()
                turns.append(
                    {
                        "said": text,
                        "understood": rounded(
                            {key: answer.get(key) for key in ("intent", "confidence", "topic", "entities")}
                        ),
                        "replies": replies(answer.get("messages") or []),
                    }
                )
            tracker = client.get(f"/conversations/{sender}/tracker")
            tracker.raise_for_status()
            recording[sender] = {"turns": turns, **decisions(tracker.json())}
    return recording


_VENUE = re.compile(r"^(\d+\. [^,]+, [^.]+(?:\.\d+)? miles?)", re.MULTILINE)


def comparable(turn: dict[str, Any]) -> dict[str, Any]:
    """A turn as compared: a list of places near a postcode keeps only each place and its distance,
    since when a session is ("Next: today, 2pm", "Help is on now") depends on the time of day."""
    replies = []
    for reply in turn["replies"]:
        text = reply.get("text") or ""
        if text.startswith("Help near "):
            reply = {**reply, "text": [match.group(1) for match in _VENUE.finditer(text)]}
        replies.append(reply)
    return {**turn, "replies": replies}


def comparable_conversation(conversation: dict[str, Any] | None) -> dict[str, Any] | None:
    if conversation is None:
        return None
    return {**conversation, "turns": [comparable(turn) for turn in conversation["turns"]]}


def differences(before: dict[str, Any], after: dict[str, Any], limit: int = 10) -> list[str]:
    found = []
    for sender in sorted(set(before) | set(after)):
        old, new = comparable_conversation(before.get(sender)), comparable_conversation(after.get(sender))
        if old == new:
            continue
        if old is None or new is None:
            found.append(f"{sender}: only in the {'new' if old is None else 'old'} recording")
            continue
        for index, (was, now) in enumerate(zip(old["turns"], new["turns"], strict=False)):
            if was != now:
                found.append(f"{sender}, turn {index + 1} ({was['said']!r}):\n  was {was}\n  now {now}")
                break
        else:
            for part in ("actions", "slots"):
                if old[part] != new[part]:
                    found.append(f"{sender}: {part}\n  was {old[part]}\n  now {new[part]}")
        if len(found) >= limit:
            break
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--record", type=Path, help="write the recording here")
    what.add_argument("--check", type=Path, help="compare with this recording")
    parser.add_argument("--conversations", type=int, default=60, help="residents of bench/load.py")
    parser.add_argument("--fuzzed", type=int, default=10, help="conversations of odd messages, 8 turns each")
    parser.add_argument(
        "--logs", type=Path, default=load.ROOT / "build" / "bench-replay", help="the processes' logs"
    )
    args = parser.parse_args()
    played = conversations(args.conversations, args.fuzzed)
    with load.our_bot(1, None, None, args.logs) as stack:
        recording = play(f"http://127.0.0.1:{stack.ports.engine}", stack.engine_auth_token, played)
    turns = sum(len(conversation["turns"]) for conversation in recording.values())
    actions = sum(len(conversation["actions"]) for conversation in recording.values())
    if args.record:
        args.record.write_text(json.dumps(recording, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"recorded {len(recording)} conversations, {turns} turns, {actions} actions: {args.record}")
        return
    args.check.with_suffix(".new.json").write_text(json.dumps(recording, indent=1, ensure_ascii=False))
    before = json.loads(args.check.read_text(encoding="utf-8"))
    found = differences(before, recording)
    if found:
        print("\n".join(found))
        raise SystemExit(f"DIFFERENT from {args.check}: {len(found)} conversation(s) shown")
    print(f"identical: {len(recording)} conversations, {turns} turns, {actions} actions, as in {args.check}")


if __name__ == "__main__":
    main()
