"""The report queries on both databases, with rows made by hand (the gateway writes them for real)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest
from sqlalchemy.orm import Session

from bot.db.models import ConfidenceResult, DigitalChampion, UsageEvent, UsageKind, Venue
from bot.reports import queries
from bot.reports.queries import Period

TODAY = date(2026, 3, 18)  # a Wednesday
THIS_WEEK = date(2026, 3, 16)
_people = count()


def event(
    session: Session,
    kind: UsageKind,
    week: date,
    channel: str = "web",
    detail: str = "",
    person: str | None = None,
) -> None:
    session.add(
        UsageEvent(
            week=week,
            occurred_on=week + timedelta(days=1),
            channel=channel,
            kind=kind,
            detail=detail,
            person=person or f"person-{next(_people)}",
        )
    )


def test_a_period_is_whole_weeks_ending_this_week() -> None:
    period = Period.last_weeks(4, TODAY)
    assert period.weeks == [date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 9), THIS_WEEK]
    assert period.last_day == date(2026, 3, 22)
    assert period.label() == "23 Feb 2026 to 22 Mar 2026"


def test_conversations_per_week_and_channel_with_empty_weeks_as_zero(db_session: Session) -> None:
    for _ in range(3):
        event(db_session, UsageKind.CONVERSATION, THIS_WEEK, "web")
    event(db_session, UsageKind.CONVERSATION, THIS_WEEK, "sms")
    event(db_session, UsageKind.CONVERSATION, date(2026, 3, 2), "telegram")
    event(
        db_session, UsageKind.CONVERSATION, date(2026, 3, 2), "telegram", person=None
    )  # purged: still counts
    event(db_session, UsageKind.CONVERSATION, date(2026, 1, 5), "web")  # before the period
    event(db_session, UsageKind.QUESTION, THIS_WEEK, "web", "free_data")  # another kind
    db_session.commit()
    weeks = queries.conversations_by_week(db_session, Period.last_weeks(4, TODAY))
    assert [w.week for w in weeks] == Period.last_weeks(4, TODAY).weeks
    assert [w.total for w in weeks] == [0, 2, 0, 4]
    assert weeks[3].by_channel == {"web": 3, "telegram": 0, "sms": 1, "voice": 0}
    assert weeks[1].by_channel["telegram"] == 2


def test_top_questions_searches_and_not_understood_most_common_first(db_session: Session) -> None:
    for topic, people in (("free_data", 3), ("scams", 5), ("nhs_app", 1)):
        for _ in range(people):
            event(db_session, UsageKind.QUESTION, THIS_WEEK, detail=topic)
    event(db_session, UsageKind.QUESTION, date(2025, 1, 6), detail="nhs_app")
    for area, people in (("LS9", 2), ("Harehills", 4)):
        for _ in range(people):
            event(db_session, UsageKind.SEARCH, THIS_WEEK, detail=area)
    event(db_session, UsageKind.NOT_UNDERSTOOD, THIS_WEEK, detail="how do i zoom")
    db_session.commit()
    period = Period.last_weeks(12, TODAY)
    assert queries.top_questions(db_session, period) == [
        queries.Count("scams", 5),
        queries.Count("free_data", 3),
        queries.Count("nhs_app", 1),
    ]
    assert queries.top_questions(db_session, period, limit=1) == [queries.Count("scams", 5)]
    assert [s.label for s in queries.searches_by_area(db_session, period)] == ["Harehills", "LS9"]
    assert queries.not_understood(db_session, period) == [queries.Count("how do i zoom", 1)]


def test_referrals_are_named_after_the_champion_or_venue_with_the_code(db_session: Session) -> None:
    db_session.add(
        DigitalChampion(name="Library champion", areas=[], languages=[], referral_code="LIB-CENTRAL")
    )
    db_session.add(Venue(name="Compton Centre", latitude=53.8, longitude=-1.5, referral_code="HUB-COMPTON"))
    for code, people in (("LIB-CENTRAL", 2), ("HUB-COMPTON", 3), ("GONE-22", 1)):
        for _ in range(people):
            event(db_session, UsageKind.REFERRAL, THIS_WEEK, "telegram", code)
    db_session.commit()
    referrals = queries.referrals_by_code(db_session, Period.last_weeks(4, TODAY))
    assert referrals == [
        queries.Referral("HUB-COMPTON", "Compton Centre (venue)", 3),
        queries.Referral("LIB-CENTRAL", "Library champion (champion)", 2),
        queries.Referral("GONE-22", "Unknown code", 1),
    ]


def result(session: Session, person: str, taken_on: date, score: int, level: str) -> None:
    session.add(
        ConfidenceResult(person=person, taken_on=taken_on, area_scores={}, total_score=score, level=level)
    )


LEVELS = ("Getting started", "Building confidence", "Confident")


def test_confidence_levels_lowest_first_and_retakes_against_the_check_before(db_session: Session) -> None:
    long_ago = date(2025, 6, 1)
    result(db_session, "a", long_ago, 30, "Getting started")
    result(db_session, "a", date(2026, 3, 3), 60, "Building confidence")  # retake in the period: +30
    result(db_session, "a", date(2026, 3, 17), 50, "Building confidence")  # another retake: -10
    result(db_session, "b", date(2026, 3, 10), 90, "Confident")  # first check only
    result(db_session, "c", date(2026, 3, 4), 40, "Building confidence")
    result(db_session, "c", date(2026, 3, 4), 40, "Building confidence")  # same day again: same score
    result(db_session, "d", long_ago, 20, "Getting started")
    result(db_session, "d", date(2025, 7, 1), 80, "Confident")  # a retake, but before the period
    db_session.commit()
    period = Period.last_weeks(4, TODAY)
    assert queries.confidence_levels(db_session, period, LEVELS) == [
        queries.Count("Getting started", 0),
        queries.Count("Building confidence", 4),
        queries.Count("Confident", 1),
    ]
    retakes = queries.retake_changes(db_session, period)
    assert (retakes.retakes, retakes.higher, retakes.same, retakes.lower) == (3, 1, 1, 1)
    assert retakes.average_change == pytest.approx(6.7, abs=0.05)
    assert retakes.moves == {
        ("Getting started", "Building confidence"): 1,
        ("Building confidence", "Building confidence"): 2,
    }


def test_no_data_gives_empty_figures(db_session: Session) -> None:
    period = Period.last_weeks(4, TODAY)
    assert queries.retake_changes(db_session, period) == queries.Retakes()
    assert [c.count for c in queries.confidence_levels(db_session, period, LEVELS)] == [0, 0, 0]
    assert queries.referrals_by_code(db_session, period) == []
    assert all(week.total == 0 for week in queries.conversations_by_week(db_session, period))
