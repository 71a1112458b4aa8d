"""Reading the values staff type into spreadsheets: yes/no, dates, times, days, lists.

Each parser takes the cell's text and returns the value or raises ValueError with a message
a member of staff can act on; empty cells give the caller's default. Dates are accepted as
2025-03-31 or 31/03/2025 (what Excel writes in the UK); times as 10:00, 10am or 1:30pm.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time

from bot.db.models import Network, Recurrence
from bot.venues import rules

_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}
# Lower-case cell -> value, for the importers' fast path.
BOOLEANS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKS = {
    "1": 1,
    "first": 1,
    "2": 2,
    "second": 2,
    "3": 3,
    "third": 3,
    "4": 4,
    "fourth": 4,
    "-1": -1,
    "last": -1,
}
_LIST_SPLIT = re.compile(r"[|;]")


def text(value: str | None, *, limit: int, field: str) -> str | None:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise ValueError(f"{field} is longer than {limit} characters")
    return cleaned or None


def boolean(value: str | None, *, default: bool, field: str) -> bool:
    cleaned = (value or "").strip().lower()
    if not cleaned:
        return default
    if cleaned in _TRUE:
        return True
    if cleaned in _FALSE:
        return False
    raise ValueError(f"{field} should be yes or no, not '{value}'")


def a_date(value: str | None, *, field: str) -> date | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{field} should be a date like 2025-03-31 or 31/03/2025, not '{value}'")


def a_time(value: str | None, *, field: str) -> time | None:
    cleaned = (value or "").strip().lower().replace(".", ":").replace(" ", "")
    if not cleaned:
        return None
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", cleaned)
    if match:
        hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        if half and 1 <= hour <= 12:
            hour = hour % 12 + (12 if half == "pm" else 0)
        elif half or match.group(2) is None:
            hour = -1  # "13pm", or a bare "10" that could be morning or evening
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            return time(hour, minute)
    raise ValueError(f"{field} should be a time like 10:00 or 1:30pm, not '{value}'")


def weekday(value: str | None, *, field: str = "day") -> int | None:
    cleaned = (value or "").strip().lower()
    if not cleaned:
        return None
    for number, name in enumerate(DAYS):
        if cleaned == name or (len(cleaned) >= 3 and name.startswith(cleaned)):
            return number
    raise ValueError(f"{field} should be a day like Monday or Mon, not '{value}'")


def week_of_month(value: str | None) -> int | None:
    cleaned = (value or "").strip().lower()
    if not cleaned:
        return None
    if cleaned not in _WEEKS:
        raise ValueError(f"week_of_month should be 1, 2, 3, 4 or last, not '{value}'")
    return _WEEKS[cleaned]


def network(value: str | None) -> Network:
    cleaned = (value or "").strip().lower()
    if not cleaned:
        return Network.GENERAL
    for member in Network:
        if cleaned in (member.value, member.label.lower()):
            return member
    names = ", ".join(member.label for member in Network)
    raise ValueError(f"network should be one of {names}, not '{value}'")


def recurrence(value: str | None) -> Recurrence:
    cleaned = (value or "").strip().lower()
    if cleaned in ("one-off", "one off", "oneoff"):
        return Recurrence.ONCE
    for member in Recurrence:
        if cleaned == member.value:
            return member
    raise ValueError(f"recurrence should be weekly, fortnightly, monthly or once, not '{value}'")


def coordinate(value: str | None, *, field: str) -> float | None:
    """A latitude or longitude (`field`), in range (bot.venues.rules), or None when empty."""
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    try:
        number = float(cleaned)
    except ValueError:
        raise ValueError(f"{field} should be a number, not '{value}'") from None
    if not math.isfinite(number):
        raise ValueError(f"{field} should be a number, not '{value}'")
    problem = rules.coordinate_problem(field, number)
    if problem:
        raise ValueError(problem)
    return number


def string_list(value: str | None) -> list[str]:
    """ "English | Urdu; Polish" -> ["English", "Urdu", "Polish"] (no repeats, order kept)."""
    items: list[str] = []
    for part in _LIST_SPLIT.split(value or ""):
        item = part.strip()
        if item and item.lower() not in (existing.lower() for existing in items):
            items.append(item)
    return items


def yes_no(value: bool) -> str:
    return "yes" if value else "no"
