"""Civil hours: no message between 21:00 and 09:00 local time (Europe/London by default).

Times are kept in UTC and converted with zoneinfo, so "10:00 the day before" stays 10:00 on
the wall clock on both sides of the clock changes (09:00 UTC in summer, 10:00 UTC in winter).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from bot.settings import Settings


def as_utc(when: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC (SQLite returns naive datetimes)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class QuietHours:
    def __init__(self, start_hour: int = 21, end_hour: int = 9, timezone: str = "Europe/London") -> None:
        if not (0 <= start_hour <= 23 and 0 <= end_hour <= 23):
            raise ValueError("quiet hours are whole hours from 0 to 23")
        self.start = time(start_hour)
        self.end = time(end_hour)
        self.zone = ZoneInfo(timezone)

    @classmethod
    def from_settings(cls, settings: Settings) -> QuietHours:
        return cls(settings.quiet_hours_start, settings.quiet_hours_end, settings.timezone)

    def is_quiet(self, when: datetime) -> bool:
        local = as_utc(when).astimezone(self.zone).time()
        if self.start == self.end:
            return False
        if self.start > self.end:  # overnight, the usual case: 21:00 to 09:00
            return local >= self.start or local < self.end
        return self.start <= local < self.end

    def next_allowed(self, when: datetime) -> datetime:
        """`when` if it is outside the quiet hours, else the end of them (aware UTC in and out)."""
        when = as_utc(when)
        if not self.is_quiet(when):
            return when
        local = when.astimezone(self.zone)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)
        return self.at(day, self.end)

    def at(self, day: date, wall_clock: time) -> datetime:
        """The UTC instant of a local wall-clock time on a day (a time skipped by the clocks going
        forward is taken as the same time after the change)."""
        local = datetime.combine(day, wall_clock, tzinfo=self.zone)
        # zoneinfo resolves a skipped or repeated time with fold; round trip to normalise it.
        return local.astimezone(UTC)

    def local_day(self, when: datetime) -> date:
        return as_utc(when).astimezone(self.zone).date()
