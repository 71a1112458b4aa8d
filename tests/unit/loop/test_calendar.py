"""The web chat's calendar links: signed, and naming no person."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.loop.calendar import CalendarLinks


def test_a_link_reads_back_and_a_forged_one_does_not() -> None:
    links = CalendarLinks("secret", "https://bot.example")
    starts = datetime(2026, 12, 8, 10, tzinfo=UTC)
    made = links.links(7, starts)
    assert made.ics.startswith("https://bot.example/calendar/") and made.ics.endswith(".ics")
    token = made.page.rsplit("/", 1)[1]
    assert links.read(token) == (7, starts)
    assert links.read(token[:-2] + "xx") is None
    assert CalendarLinks("another secret").read(token) is None
