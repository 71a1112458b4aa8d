"""Which of the listed sessions the resident means: "2", "the Tuesday one", "the library one".

After the nearest help is shown, the action keeps what was listed in a slot (`Listed.as_slot`):
the number each venue had, its next session and when. A request is matched against that list
by number (typed, or from a button), then by weekday, then by a word of the venue's or the
session's name; with one session listed, "remind me" means it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from bot.outbound.quiet import as_utc

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHORT_DAYS = {day[:3]: index for index, day in enumerate(WEEKDAYS)} | {"tues": 1, "thur": 3, "thurs": 3}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_NUMBER = re.compile(r"(?<![\d:])(\d{1,2})(?![\d:]|am|pm)")
# Words too common to pick out a venue ("the", "centre", "library" is kept: it is how people
# name one).
_COMMON = {
    "the", "and", "for", "one", "at", "on", "of", "in", "me", "remind", "please", "about", "session",
    "text", "send", "reminder", "can", "you", "book", "place", "centre", "center", "community", "help",
    "leeds", "yes", "get", "online", "drop", "with", "that", "this", "before", "message",
}  # fmt: skip


@dataclass(frozen=True)
class Listed:
    number: int
    session_id: int
    venue_id: int
    venue: str
    title: str
    starts_at: datetime
    booking_required: bool = False

    def as_slot(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "session_id": self.session_id,
            "venue_id": self.venue_id,
            "venue": self.venue,
            "title": self.title,
            "starts_at": as_utc(self.starts_at).isoformat(),
            "booking_required": self.booking_required,
        }

    @classmethod
    def from_slot(cls, value: object) -> Listed | None:
        if not isinstance(value, Mapping):
            return None
        try:
            return cls(
                number=int(value["number"]),
                session_id=int(value["session_id"]),
                venue_id=int(value["venue_id"]),
                venue=str(value["venue"]),
                title=str(value["title"]),
                starts_at=as_utc(datetime.fromisoformat(str(value["starts_at"]))),
                booking_required=bool(value.get("booking_required", False)),
            )
        except (KeyError, TypeError, ValueError):
            return None


def listed_from_slot(value: object) -> list[Listed]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [item for item in (Listed.from_slot(v) for v in value) if item is not None]


class Miss(Enum):
    NOTHING_LISTED = "nothing_listed"  # "remind me" before any search
    WHICH = "which"  # several listed, nothing says which
    NO_SUCH_NUMBER = "no_such_number"
    NO_SESSION_THAT_DAY = "no_session_that_day"


@dataclass(frozen=True)
class Pick:
    chosen: Listed | None = None
    miss: Miss | None = None
    weekday: int | None = None  # the day asked for, when it had no session


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _weekday(words: Iterable[str]) -> int | None:
    for word in words:
        if word in WEEKDAYS:
            return WEEKDAYS.index(word)
        stripped = word.rstrip("s")  # "tuesdays"
        if stripped in WEEKDAYS:
            return WEEKDAYS.index(stripped)
        if word in _SHORT_DAYS:
            return _SHORT_DAYS[word]
    return None


def _number(text: str, words: Sequence[str]) -> int | None:
    match = _NUMBER.search(text.lower())
    if match:
        return int(match.group(1))
    for word in words:
        if word in _ORDINALS:
            return _ORDINALS[word]
    return None


def pick(listed: Sequence[Listed], text: str, chosen_number: object = None, zone: Any = None) -> Pick:
    """The listed session the text (or a button's number) means, or why none can be chosen."""
    if not listed:
        return Pick(miss=Miss.NOTHING_LISTED)
    words = _words(text or "")
    number = (
        _number(str(chosen_number), []) if chosen_number not in (None, "") else _number(text or "", words)
    )
    if number is not None:
        found = [item for item in listed if item.number == number]
        return Pick(found[0]) if found else Pick(miss=Miss.NO_SUCH_NUMBER)
    day = _weekday(words)
    if day is not None:
        on_day = [item for item in listed if _local(item.starts_at, zone).weekday() == day]
        if len(on_day) == 1:
            return Pick(on_day[0])
        if not on_day:
            return Pick(miss=Miss.NO_SESSION_THAT_DAY, weekday=day)
        listed = on_day
    named = [item for item in listed if _names(item) & {w for w in words if len(w) > 2 and w not in _COMMON}]
    if len(named) == 1:
        return Pick(named[0])
    if len(listed) == 1:
        return Pick(listed[0])
    return Pick(miss=Miss.WHICH)


def _names(item: Listed) -> set[str]:
    return {w for w in _words(f"{item.venue} {item.title}") if len(w) > 2 and w not in _COMMON}


def _local(moment: datetime, zone: Any) -> datetime:
    from bot.venues.schedule import LONDON

    return as_utc(moment).astimezone(zone or LONDON)
