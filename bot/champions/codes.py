"""Referral codes: the short code on a champion's or venue's flyer that tells us who sent a resident.

One code goes into a Telegram deep link (`?start=CODE`, where Telegram allows only A-Z a-z 0-9 _ -
and at most 64 characters), an SMS keyword typed by hand on a cheap phone, and a web link. So a
code is upper case (SMS users type in any case), 3 to 40 of [A-Z0-9_-]. New codes are a word of
the name, a hyphen and digits 2-9: letters and digits never mix, so nobody has to tell O from 0
or I from 1, and a reader can see which thing the code belongs to.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import DigitalChampion, Venue

CODE_PATTERN = re.compile(r"[A-Z0-9_-]{3,40}")
MAX_CODE_CHARS = 40
# Digits that cannot be misread as letters (0/O, 1/I/L are left out).
CODE_DIGITS = "23456789"
# Words that say nothing about who a flyer is from (every champion is a "Digital Champion").
_GENERIC_WORDS = frozenset(
    {
        "the",
        "and",
        "of",
        "for",
        "at",
        "in",
        "on",
        "to",
        "a",
        "an",
        "digital",
        "champion",
        "champions",
        "leeds",
    }
)
_PREFIX_CHARS = 10  # whole words mostly: "CHAPELTOWN", "HEADINGLEY"
_FALLBACK_PREFIX = "GO"

Kind = Literal["champion", "venue"]


class InvalidCode(ValueError):
    """A referral code that cannot go into a deep link or be typed in an SMS."""


def normalise_code(raw: str) -> str:
    """The code in its stored form (trimmed, upper case), or InvalidCode saying what is wrong."""
    code = raw.strip().upper()
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidCode(
            f"{raw!r} is not a valid referral code: use 3 to {MAX_CODE_CHARS} letters, digits, - or _."
        )
    return code


def is_valid_code(raw: str) -> bool:
    try:
        normalise_code(raw)
    except InvalidCode:
        return False
    return True


def _prefix(name: str) -> str:
    """The first telling word of the name, in plain ASCII capitals ("Compton Centre" -> "COMPTON")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [re.sub(r"[^A-Za-z]", "", word) for word in ascii_name.replace("'", "").split()]
    telling = [w for w in words if len(w) >= 3 and w.lower() not in _GENERIC_WORDS]
    return telling[0][:_PREFIX_CHARS].upper() if telling else _FALLBACK_PREFIX


def new_code(name: str, taken: Collection[str]) -> str:
    """A short, readable code for `name` that is not in `taken` (compared in upper case).

    The digits come from a generator seeded with the name, so the same name and the same taken
    codes always give the same code (repeatable runs and tests), yet similar names spread out.
    """
    used = {code.strip().upper() for code in taken}
    prefix = _prefix(name)
    rng = random.Random(name)
    for digits in range(2, 7):
        for _ in range(200):
            code = f"{prefix}-{''.join(rng.choice(CODE_DIGITS) for _ in range(digits))}"
            if code not in used:
                return code
    raise RuntimeError(f"No free referral code left for {name!r}")  # 8**6 codes per prefix: never


@dataclass(frozen=True)
class CodedEntry:
    """One active champion or venue and its code; `is_new` when `ensure_codes` just gave it."""

    kind: Kind
    id: int
    name: str
    code: str
    is_new: bool


def listing_label(row: DigitalChampion | Venue) -> str:
    """How staff and flyers name a row: a champion with their organisation, a venue by its name."""
    if isinstance(row, DigitalChampion) and row.organisation is not None:
        return f"{row.name}, {row.organisation.name}"
    return row.name


def _taken_codes(session: Session) -> set[str]:
    """Every code in use, active or not, in both tables."""
    champions = session.scalars(
        select(DigitalChampion.referral_code).where(DigitalChampion.referral_code.is_not(None))
    )
    venues = session.scalars(select(Venue.referral_code).where(Venue.referral_code.is_not(None)))
    return {code.strip().upper() for codes in (champions, venues) for code in codes if code}


def _ensure(kind: Kind, rows: list[DigitalChampion] | list[Venue], taken: set[str]) -> list[CodedEntry]:
    entries = []
    for row in rows:
        code = (row.referral_code or "").strip()
        is_new = not code
        if is_new:
            code = row.referral_code = new_code(listing_label(row), taken)
            taken.add(code)
        entries.append(CodedEntry(kind, row.id, listing_label(row), code, is_new))
    return entries


def ensure_codes(session: Session) -> list[CodedEntry]:
    """Give every active champion and venue without a code a new one; list all active ones.

    Codes are unique across both tables (a deep link does not say which kind it is for), and the
    codes of inactive rows stay reserved, so a flyer already printed never points at someone else.
    Existing codes are never changed: they may be on paper. The caller commits.
    """
    taken = _taken_codes(session)
    champions = list(
        session.scalars(
            select(DigitalChampion)
            .where(DigitalChampion.active.is_(True))
            .order_by(DigitalChampion.name, DigitalChampion.id)
        )
    )
    venues = list(session.scalars(select(Venue).where(Venue.active.is_(True)).order_by(Venue.name, Venue.id)))
    entries = _ensure("champion", champions, taken) + _ensure("venue", venues, taken)
    session.flush()
    return entries
