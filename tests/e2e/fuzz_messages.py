"""Generated hostile and odd messages for the fuzz test: deterministic for a seed, every kind mixed."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator

SQL = [
    "'; DROP TABLE venues; --",
    "1' OR '1'='1",
    "LS9 7BG' UNION SELECT * FROM staff_users --",
    "Robert'); DELETE FROM events WHERE ('1'='1",
    '" OR ""="',
]
HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<b>bold</b> &amp; &lt;",
    "javascript:alert(document.cookie)",
    "{{7*7}} ${7*7} <%= 7*7 %>",
]
RTL = [
    "مرحبا، أحتاج مساعدة في الإنترنت",
    "שלום אני צריך עזרה",
    "\u202eLS9 7BG\u202c",
    "\u2067free wifi\u2069",
    "کیا مفت وائی فائی ہے",
]
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇬🇧", "❤️‍🔥", "🙏", "📱💻", "\U0001fae0"]
WORDS = [
    "free",
    "wifi",
    "data",
    "sim",
    "help",
    "near",
    "postcode",
    "scam",
    "email",
    "nhs",
    "app",
    "phone",
    "tablet",
    "library",
    "leeds",
    "find",
    "me",
    "a",
]
COMMANDS = [
    "/restart",
    "/session_start",
    '/greet{"referral_code": "LIB-CENTRAL"}',
    "/find_help{",
    '/find_help{"geo": 1}',
    "/" * 50,
    '/inform{"postcode": "' + "A" * 500 + '"}',
]


def _random_unicode(rng: random.Random, length: int) -> str:
    ranges = [  # printable, Latin, Greek, Cyrillic, Arabic, Devanagari, CJK, emoji, controls, format
        (0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x600, 0x6FF), (0x900, 0x97F),
        (0x4E00, 0x4FFF), (0x1F300, 0x1FAFF), (0x0, 0x1F), (0x7F, 0x9F), (0x200B, 0x206F), (0xFE00, 0xFE0F),
    ]  # fmt: skip
    chars = []
    for _ in range(length):
        low, high = rng.choice(ranges)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def _kinds(rng: random.Random) -> list[Callable[[], str]]:
    return [
        lambda: _random_unicode(rng, rng.randint(1, 60)),
        lambda: "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 12))),
        lambda: rng.choice(RTL) + " " + rng.choice(WORDS),
        lambda: "".join(chr(rng.randint(0, 31)) for _ in range(rng.randint(1, 20))),
        lambda: rng.choice(WORDS) * rng.randint(2000, 2600),  # around 10,000 characters
        lambda: rng.choice(SQL),
        lambda: rng.choice(HTML),
        lambda: rng.choice(["", " ", "\n\n\t", "\u200b", "\u00a0" * 5]),
        lambda: rng.choice(COMMANDS),
        lambda: " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12))),
        lambda: str(rng.randint(-(10**20), 10**20)),
        lambda: rng.choice(["LS9 7BG", "ls97bg", "LS99 9ZZ", "ZZ1 1ZZ", "L", "LS", "LS9 7B"]),
        lambda: json.dumps({"text": rng.choice(WORDS)}),
        lambda: _random_unicode(rng, rng.randint(900, 1100)),
        lambda: rng.choice(WORDS) + "\x00" + rng.choice(SQL),
    ]


def messages(count: int, seed: int = 2026) -> Iterator[str]:
    rng = random.Random(seed)
    kinds = _kinds(rng)
    for _ in range(count):
        yield rng.choice(kinds)()
