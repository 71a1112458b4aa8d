"""Writing usage events: at most one row per person, week, kind and detail (duplicates are ignored)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import UsageEvent, UsageKind
from bot.pseudonym import person_key

DETAIL_CHARS = 200


def week_of(day: date) -> date:
    """The Monday of the week `day` is in."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Usage:
    kind: UsageKind
    channel: str
    person: str
    detail: str
    day: date

    @classmethod
    def of(
        cls, kind: UsageKind, channel: str, conversation_id: str, detail: str = "", day: date | None = None
    ) -> Usage:
        return cls(kind, channel, person_key(conversation_id), detail[:DETAIL_CHARS], day or date.today())

    def row(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "channel": self.channel,
            "person": self.person,
            "detail": self.detail,
            "occurred_on": self.day,
            "week": week_of(self.day),
        }


def _insert_ignoring_duplicates(session: Session) -> Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(UsageEvent).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(UsageEvent).on_conflict_do_nothing()
    raise NotImplementedError(f"usage events on {dialect}")


def write_usage(session: Session, usages: Iterable[Usage]) -> None:
    rows = list({(u.kind, u.channel, u.person, u.detail, week_of(u.day)): u.row() for u in usages}.values())
    if rows:
        session.execute(_insert_ignoring_duplicates(session), rows)
