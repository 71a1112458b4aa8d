"""Results are kept without identity, and a retake finds the last one."""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect, select

from bot.confidence.content import ConfidenceCheck
from bot.confidence.scoring import score
from bot.confidence.store import record, results_key
from bot.db.models import ConfidenceResult
from bot.db.session import get_engine, session_scope
from tests.unit.confidence.conftest import all_answers

CONVERSATION = "web-0123456789abcdef0123456789abcdef"


def test_a_result_is_kept_without_identity(check: ConfidenceCheck, migrated_url: str) -> None:
    result = score(check, all_answers(check, 2))
    assert record(migrated_url, CONVERSATION, result, date(2026, 11, 25), referral_code=" CHAMP-7 ") is None
    with session_scope(migrated_url) as session:
        row = session.scalars(select(ConfidenceResult)).one()
    assert row.person == results_key(CONVERSATION) and CONVERSATION not in row.person
    assert row.taken_on == date(2026, 11, 25)
    assert row.area_scores == result.area_scores and set(row.area_scores) == {a.id for a in check.areas}
    assert (row.level, row.total_score, row.referral_code) == ("Building confidence", 67, "CHAMP-7")
    columns = {c["name"] for c in inspect(get_engine(migrated_url)).get_columns("confidence_results")}
    assert columns == {"id", "person", "taken_on", "area_scores", "total_score", "level", "referral_code"}


def test_a_retake_finds_the_last_result_of_the_same_person_only(
    check: ConfidenceCheck, migrated_url: str
) -> None:
    beginner, building = score(check, all_answers(check, 4)), score(check, all_answers(check, 2))
    record(migrated_url, CONVERSATION, beginner, date(2026, 10, 1))
    record(migrated_url, "web-someone-else", score(check, all_answers(check, 1)), date(2026, 11, 1))
    previous = record(migrated_url, CONVERSATION, building, date(2026, 11, 25))
    assert previous is not None and previous.level == "Getting started" and previous.total_score == 0
    again = record(migrated_url, CONVERSATION, building, date(2026, 11, 25))
    assert again is not None and again.level == "Building confidence"
    with session_scope(migrated_url) as session:
        assert session.scalar(select(ConfidenceResult.referral_code).limit(1)) is None
