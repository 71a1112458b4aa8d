from __future__ import annotations

from datetime import date, time

import pytest

from bot.db.models import Network, Recurrence
from bot.venues import fields


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("10:00", time(10)),
        ("10am", time(10)),
        ("1:30pm", time(13, 30)),
        ("13.30", time(13, 30)),
        ("12pm", time(12)),
        ("12am", time(0)),
        (" 9:05 AM ", time(9, 5)),
        ("", None),
    ],
)
def test_times(typed: str, expected: time | None) -> None:
    assert fields.a_time(typed, field="start_time") == expected


@pytest.mark.parametrize("typed", ["10", "25:00", "13pm", "ten", "10:75"])
def test_bad_times_say_what_is_expected(typed: str) -> None:
    with pytest.raises(ValueError, match="like 10:00 or 1:30pm"):
        fields.a_time(typed, field="start_time")


def test_dates_in_iso_or_uk_form() -> None:
    assert fields.a_date("2026-01-31", field="date") == date(2026, 1, 31)
    assert fields.a_date("31/01/2026", field="date") == date(2026, 1, 31)
    with pytest.raises(ValueError, match="31/03/2025"):
        fields.a_date("01/31/2026", field="date")


def test_yes_no_days_weeks_networks_and_lists() -> None:
    assert fields.boolean("Yes", default=False, field="x") is True
    assert fields.boolean("", default=True, field="x") is True
    with pytest.raises(ValueError, match="yes or no"):
        fields.boolean("maybe", default=False, field="x")
    assert fields.weekday("Tue") == 1 and fields.weekday("sunday") == 6
    with pytest.raises(ValueError, match="like Monday or Mon"):
        fields.weekday("Tu")
    assert fields.week_of_month("last") == -1 and fields.week_of_month("2") == 2
    assert fields.network("Older People") is Network.OLDER_PEOPLE
    assert fields.network("") is Network.GENERAL
    with pytest.raises(ValueError, match="Arts and Culture"):
        fields.network("sport")
    assert fields.recurrence("One-off") is Recurrence.ONCE
    assert fields.string_list("English | urdu; English|Polish") == ["English", "urdu", "Polish"]
