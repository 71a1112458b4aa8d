"""The programme's figures, as plain SQLAlchemy aggregate queries over a session.

Everything counts rows of `usage_events` (at most one per person, kind, week, channel and
detail: so "people", not messages) or `confidence_results`. Nothing here returns a person's
key or one person's conversation: only counts, and for "not understood" the message text the
gateway kept with numbers and addresses removed. The same functions serve the page and the CSV
downloads, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from bot.db.models import ConfidenceResult, DigitalChampion, TaughtMessage, UsageEvent, UsageKind, Venue

CHANNELS = ("web", "telegram", "sms", "voice")


@dataclass(frozen=True)
class Period:
    """Whole weeks, Monday to Sunday, ending with the week of `last_day`."""

    first_week: date  # a Monday
    last_week: date  # a Monday

    @classmethod
    def last_weeks(cls, weeks: int, today: date) -> Period:
        monday = today - timedelta(days=today.weekday())
        return cls(monday - timedelta(weeks=weeks - 1), monday)

    @property
    def weeks(self) -> list[date]:
        count = (self.last_week - self.first_week).days // 7 + 1
        return [self.first_week + timedelta(weeks=n) for n in range(count)]

    @property
    def last_day(self) -> date:
        return self.last_week + timedelta(days=6)

    def label(self) -> str:
        return f"{self.first_week.day} {self.first_week:%b %Y} to {self.last_day.day} {self.last_day:%b %Y}"


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class WeekCounts:
    week: date
    by_channel: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())


@dataclass(frozen=True)
class Referral:
    code: str
    who: str
    count: int


@dataclass(frozen=True)
class Retakes:
    """What changed between a person's confidence check and the one before it."""

    retakes: int = 0
    higher: int = 0
    same: int = 0
    lower: int = 0
    average_change: float = 0.0  # in percentage points of the total score
    # (level before, level after) -> how many retakes
    moves: dict[tuple[str, str], int] = field(default_factory=dict)


def _events(kind: UsageKind, period: Period) -> ColumnElement[bool]:
    return (UsageEvent.kind == kind) & UsageEvent.week.between(period.first_week, period.last_week)


def conversations_by_week(session: Session, period: Period) -> list[WeekCounts]:
    """People who talked to the bot, per week and channel; weeks with nobody are there, as 0."""
    query = (
        select(UsageEvent.week, UsageEvent.channel, func.count())
        .where(_events(UsageKind.CONVERSATION, period))
        .group_by(UsageEvent.week, UsageEvent.channel)
    )
    counts: dict[date, dict[str, int]] = {week: dict.fromkeys(CHANNELS, 0) for week in period.weeks}
    for week, channel, count in session.execute(query):
        counts.setdefault(week, dict.fromkeys(CHANNELS, 0))[channel] = count
    return [WeekCounts(week, by_channel) for week, by_channel in sorted(counts.items())]


def _top(
    session: Session, kind: UsageKind, period: Period, limit: int, *also: ColumnElement[bool]
) -> list[Count]:
    number = func.count().label("number")
    # Among equal counts the newest first: the long tail of messages said once is where staff
    # find what the bot has just started to miss (bot.teach), not an alphabetical cut.
    query = (
        select(UsageEvent.detail, number)
        .where(_events(kind, period), UsageEvent.detail != "", *also)
        .group_by(UsageEvent.detail)
        .order_by(number.desc(), func.max(UsageEvent.id).desc(), UsageEvent.detail)
        .limit(limit)
    )
    return [Count(detail, count) for detail, count in session.execute(query)]


def top_questions(session: Session, period: Period, limit: int = 10) -> list[Count]:
    """Knowledge-base topics answered, by how many people asked (detail: the topic's name)."""
    return _top(session, UsageKind.QUESTION, period, limit)


def searches_by_area(session: Session, period: Period, limit: int = 20) -> list[Count]:
    """Where people looked for help nearby: the outcode ("LS9") or place they gave."""
    return _top(session, UsageKind.SEARCH, period, limit)


def not_understood(session: Session, period: Period, limit: int = 50) -> list[Count]:
    """Messages the bot did not understand, most common first, to improve the knowledge base.

    A message staff have assigned in the admin (taught, or marked as noise: bot.teach) has been
    dealt with, so it leaves the list; an undo brings it back.
    """
    dealt_with = UsageEvent.detail.not_in(select(TaughtMessage.text))
    return _top(session, UsageKind.NOT_UNDERSTOOD, period, limit, dealt_with)


def referrals_by_code(session: Session, period: Period) -> list[Referral]:
    """People who arrived through each champion's or venue's code, with whose code it is."""
    found = _top(session, UsageKind.REFERRAL, period, limit=1000)
    codes = [item.label.upper() for item in found]
    owners: dict[str, str] = {}
    if codes:
        for code, name in session.execute(
            select(DigitalChampion.referral_code, DigitalChampion.name).where(
                func.upper(DigitalChampion.referral_code).in_(codes)
            )
        ):
            owners[str(code).upper()] = f"{name} (champion)"
        for code, name in session.execute(
            select(Venue.referral_code, Venue.name).where(func.upper(Venue.referral_code).in_(codes))
        ):
            owners[str(code).upper()] = f"{name} (venue)"
    return [
        Referral(item.label, owners.get(item.label.upper(), "Unknown code"), item.count) for item in found
    ]


def confidence_levels(session: Session, period: Period, levels: Sequence[str]) -> list[Count]:
    """Confidence checks finished in the period, by level, lowest level first."""
    query = (
        select(ConfidenceResult.level, func.count())
        .where(ConfidenceResult.taken_on.between(period.first_week, period.last_day))
        .group_by(ConfidenceResult.level)
    )
    counts = dict(session.execute(query).tuples().all())
    ordered = [Count(level, counts.pop(level, 0)) for level in levels]
    return ordered + [Count(level, count) for level, count in sorted(counts.items())]


def retake_changes(session: Session, period: Period) -> Retakes:
    """Each retake in the period against the same person's previous check (at any time before)."""
    order = (ConfidenceResult.taken_on, ConfidenceResult.id)
    by_person: dict[str, Any] = {"partition_by": ConfidenceResult.person, "order_by": order}
    history = select(
        ConfidenceResult.taken_on,
        ConfidenceResult.level,
        ConfidenceResult.total_score,
        func.lag(ConfidenceResult.level).over(**by_person).label("before"),
        func.lag(ConfidenceResult.total_score).over(**by_person).label("score_before"),
    ).subquery()
    retakes = history.c.before.is_not(None) & history.c.taken_on.between(period.first_week, period.last_day)
    change = history.c.total_score - history.c.score_before
    moves = {
        (before, after): count
        for before, after, count in session.execute(
            select(history.c.before, history.c.level, func.count())
            .where(retakes)
            .group_by(history.c.before, history.c.level)
        )
    }
    total, higher, lower, average = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((change > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(case((change < 0, 1), else_=0)), 0),
            func.avg(change),
        ).where(retakes)
    ).one()
    if not total:
        return Retakes()
    return Retakes(
        retakes=total,
        higher=higher,
        same=total - higher - lower,
        lower=lower,
        average_change=round(float(average or 0), 1),
        moves=moves,
    )
