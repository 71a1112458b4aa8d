"""Working days in Europe/London: Monday to Friday, not bank holidays (England and Wales).

The promise "a champion will call you within 2 working days" is a due time: the end of the
working day (18:00 London time) that many working days after the day of the request. The bank
holidays come from content/bank_holidays.yml (GOV.UK's list, kept by staff): no library in the
lock has them, and a data file staff can read and correct beats a rule for Easter in code.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.outbound.quiet import as_utc

log = logging.getLogger(__name__)
END_OF_DAY = time(18, 0)
REGION = "england-and-wales"


def load_bank_holidays(path: Path) -> frozenset[date]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    days = raw.get(REGION) or {}
    return frozenset(day if isinstance(day, date) else date.fromisoformat(str(day)) for day in days)


@dataclass(frozen=True)
class WorkingDays:
    holidays: frozenset[date]
    timezone: str = "Europe/London"

    @classmethod
    def from_file(cls, path: Path, timezone: str = "Europe/London") -> WorkingDays:
        return cls(load_bank_holidays(path), timezone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _years(self) -> set[int]:
        return {day.year for day in self.holidays}

    def is_working_day(self, day: date) -> bool:
        if day.year not in self._years():
            log.warning("No bank holidays listed for %d: add them to content/bank_holidays.yml", day.year)
        return day.weekday() < 5 and day not in self.holidays

    def add(self, day: date, count: int) -> date:
        """The working day `count` working days after `day` (which need not be one itself)."""
        current = day
        left = count
        while left > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current

    def due(self, requested_at: datetime, working_days: int) -> datetime:
        """When a request made at `requested_at` must have had its call (aware UTC)."""
        local_day = as_utc(requested_at).astimezone(self.zone).date()
        last_day = self.add(local_day, working_days)
        return datetime.combine(last_day, END_OF_DAY, tzinfo=self.zone).astimezone(
            as_utc(requested_at).tzinfo
        )

    def between(self, start: datetime, end: datetime) -> int:
        """Working days from `start`'s day to `end`'s day (0 on the same day): waits in reports."""
        first = as_utc(start).astimezone(self.zone).date()
        last = as_utc(end).astimezone(self.zone).date()
        return sum(1 for day in _days(first, last) if self.is_working_day(day))


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day < last:
        day += timedelta(days=1)
        yield day
