"""Keeping results without identity, and finding a resident's last one to show progress.

The conversation id the engine knows is already a keyed pseudonym (the key stays with the
gateway). Results are kept under a one-way hash of it, so the results table cannot be joined to
the conversation store by equality, yet the same resident finds their last result on a retake.
Only the date is kept, never the time, the answers or what the resident typed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.confidence.scoring import Result
from bot.db.models import ConfidenceResult
from bot.db.session import session_scope

REFERRAL_CODE_CHARS = 40


def results_key(conversation_id: str) -> str:
    """The key a person's confidence results are kept under (not `bot.pseudonym.person_key`:
    a different hash, so results cannot be joined to contacts or usage events either)."""
    return hashlib.sha256(f"confidence-check:{conversation_id}".encode()).hexdigest()


def clean_referral_code(code: object) -> str | None:
    if not isinstance(code, str) or not code.strip():
        return None
    return code.strip()[:REFERRAL_CODE_CHARS]


@dataclass(frozen=True)
class PastResult:
    taken_on: date
    level: str
    area_scores: dict[str, int]
    total_score: int


def last_result(session: Session, person: str) -> PastResult | None:
    row = session.scalars(
        select(ConfidenceResult)
        .where(ConfidenceResult.person == person)
        .order_by(ConfidenceResult.taken_on.desc(), ConfidenceResult.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return PastResult(row.taken_on, row.level, dict(row.area_scores), row.total_score)


def save_result(
    session: Session, person: str, result: Result, taken_on: date, referral_code: str | None = None
) -> ConfidenceResult:
    row = ConfidenceResult(
        person=person,
        taken_on=taken_on,
        area_scores=dict(result.area_scores),
        total_score=result.total,
        level=result.level.name,
        referral_code=clean_referral_code(referral_code),
    )
    session.add(row)
    session.flush()
    return row


def record(
    database_url: str, conversation_id: str, result: Result, taken_on: date, referral_code: str | None = None
) -> PastResult | None:
    """Save this result; return the one before it (None on a first check)."""
    person = results_key(conversation_id)
    with session_scope(database_url) as session:
        previous = last_result(session, person)
        save_result(session, person, result, taken_on, referral_code)
    return previous
