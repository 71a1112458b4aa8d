"""Counting the funnel's steps: at most one row per person, week, step and venue (duplicates ignored)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import LoopEvent, LoopStep
from bot.pseudonym import person_key
from bot.usage.events import week_of


def _insert(session: Session) -> Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(LoopEvent).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(LoopEvent).on_conflict_do_nothing()
    raise NotImplementedError(f"loop events on {dialect}")


def record_steps(
    session: Session,
    step: LoopStep,
    conversation_id: str,
    *,
    channel: str = "",
    venue_ids: Iterable[int] = (0,),
    day: date | None = None,
) -> None:
    """One step for one person (the usage events' pseudonymous key), for each venue given."""
    day = day or date.today()
    person = person_key(conversation_id)
    rows = [
        {
            "step": step.value,
            "week": week_of(day),
            "occurred_on": day,
            "channel": channel[:20],
            "person": person,
            "venue_id": int(venue_id),
        }
        for venue_id in dict.fromkeys(venue_ids)
    ]
    if rows:
        session.execute(_insert(session), rows)
