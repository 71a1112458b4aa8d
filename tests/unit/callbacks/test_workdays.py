"""The promise "within 2 working days" as a due time, in London, around weekends and bank holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import yaml

from bot.callbacks.workdays import WorkingDays, load_bank_holidays
from tests.unit.callbacks.conftest import CONTENT


def test_a_friday_request_is_due_by_the_end_of_tuesday(workdays: WorkingDays) -> None:
    due = workdays.due(datetime(2026, 12, 4, 10, 0, tzinfo=UTC), 2)
    assert due == datetime(2026, 12, 8, 18, 0, tzinfo=UTC)  # winter: London is UTC


def test_a_weekend_request_counts_from_monday(workdays: WorkingDays) -> None:
    due = workdays.due(datetime(2026, 12, 5, 15, 0, tzinfo=UTC), 2)
    assert due.date() == date(2026, 12, 8)


def test_christmas_and_boxing_day_substitute_do_not_count(workdays: WorkingDays) -> None:
    # Thu 24 Dec 2026: Fri 25 and Mon 28 are bank holidays, so Tue 29 and Wed 30 are the two days.
    due = workdays.due(datetime(2026, 12, 24, 9, 0, tzinfo=UTC), 2)
    assert due == datetime(2026, 12, 30, 18, 0, tzinfo=UTC)


def test_the_end_of_the_day_is_london_time_in_summer(workdays: WorkingDays) -> None:
    due = workdays.due(datetime(2026, 6, 1, 8, 0, tzinfo=UTC), 2)
    assert due == datetime(2026, 6, 3, 17, 0, tzinfo=UTC)  # 18:00 BST


def test_a_late_evening_request_in_summer_belongs_to_the_london_day() -> None:
    # 23:30 UTC on Friday is 00:30 on Saturday in London: counted from Monday.
    days = WorkingDays(frozenset())
    due = days.due(datetime(2026, 6, 5, 23, 30, tzinfo=UTC), 1)
    assert due.date() == date(2026, 6, 8)


def test_easter_2027_is_skipped(workdays: WorkingDays) -> None:
    # Thu 25 Mar 2027: Good Friday 26 and Easter Monday 29 are bank holidays.
    assert workdays.add(date(2027, 3, 25), 1) == date(2027, 3, 30)


def test_the_bank_holidays_file_names_its_source_and_lists_weekdays_only() -> None:
    raw = yaml.safe_load((CONTENT / "bank_holidays.yml").read_text())
    assert "gov.uk/bank-holidays" in raw["source"]
    days = load_bank_holidays(CONTENT / "bank_holidays.yml")
    assert len(days) >= 16
    assert all(day.weekday() < 5 for day in days)  # substitute days are already moved


def test_waiting_working_days_between_two_times(workdays: WorkingDays) -> None:
    start = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # Friday
    assert workdays.between(start, datetime(2026, 12, 8, 9, 0, tzinfo=UTC)) == 2  # Mon, Tue
