"""The plain-English bar every resident-facing text must pass."""

from __future__ import annotations

import re

import textstat

MIN_FLESCH = 65.0
SMS_ANSWER_LIMIT = 320


def sentences(text: str) -> int:
    return len([s for s in re.split(r"[.!?]+(?:\s|$)", text) if s.strip()])


def prose(text: str) -> str:
    """The text as read aloud: URLs and "Label: url" lines do not count towards the score."""
    lines = [line for line in text.splitlines() if not re.search(r"https?://", line)]
    return " ".join(lines)


def readability_problem(text: str) -> str | None:
    body = prose(text)
    if sentences(body) < 2:
        return None
    score = textstat.flesch_reading_ease(body)
    return None if score >= MIN_FLESCH else f"Flesch {score:.0f} < {MIN_FLESCH:.0f}: {body[:80]!r}"
