"""Referral codes: which Digital Champion or venue sent a resident to the bot.

A code arrives with a Telegram deep link (t.me/<bot>?start=CODE), a web link (/?ref=CODE) or
an SMS keyword ("HELLO CODE"). Only codes of active champions and venues count, so a typo or
a made-up code never shows up in the referral report. Codes are looked up case-insensitively.
"""

from __future__ import annotations

import asyncio
import re
import time

from sqlalchemy import func, select, union
from sqlalchemy.exc import SQLAlchemyError

from bot.champions.codes import is_valid_code, normalise_code
from bot.champions.links import SMS_KEYWORD
from bot.db.models import DigitalChampion, Venue
from bot.db.session import session_scope

# What a resident texts to start with a code: the flyer's "HELLO CODE", or the code alone.
_SMS_KEYWORD = re.compile(rf"^(?:{SMS_KEYWORD}\s+)?([A-Za-z0-9_-]{{3,40}})[.!]?$", re.IGNORECASE)


def canonical_code(text: object) -> str | None:
    """The code in its stored form (upper case), or None if it cannot be a code."""
    if not isinstance(text, str) or not is_valid_code(text):
        return None
    return normalise_code(text)


def sms_code_candidate(text: str) -> str | None:
    """The code in "HELLO AB12" or "AB12", if the message has that shape (it may not be a real code)."""
    match = _SMS_KEYWORD.match(text.strip())
    return canonical_code(match.group(1)) if match else None


def active_codes(database_url: str) -> frozenset[str]:
    query = union(
        select(func.upper(DigitalChampion.referral_code)).where(
            DigitalChampion.active, DigitalChampion.referral_code.is_not(None)
        ),
        select(func.upper(Venue.referral_code)).where(Venue.active, Venue.referral_code.is_not(None)),
    )
    with session_scope(database_url) as session:
        return frozenset(code for code in session.scalars(query) if code)


class ReferralCodes:
    """The active codes, re-read at most once a minute (staff add champions while the bot runs)."""

    def __init__(self, database_url: str, max_age_seconds: float = 60.0) -> None:
        self._url = database_url
        self._max_age = max_age_seconds
        self._codes: frozenset[str] = frozenset()
        self._read_at = float("-inf")

    async def known(self, text: object) -> str | None:
        """The canonical code if `text` is an active champion's or venue's code, else None."""
        code = canonical_code(text)
        if code is None:
            return None
        age = time.monotonic() - self._read_at
        # A code not seen yet may be a champion added a moment ago: look again, but not for every
        # made-up code in a flood.
        if age > self._max_age or (code not in self._codes and age > 5):
            try:
                self._codes = await asyncio.wait_for(asyncio.to_thread(active_codes, self._url), 1.0)
                self._read_at = time.monotonic()
            except (SQLAlchemyError, TimeoutError):
                pass
        return code if code in self._codes else None
