"""The knowledge base's review cycle: the later of the file's date and the admin's mark counts."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import AuditEntry, TopicReview
from bot.kb.review import AUDIT_KIND, due_topics, mark_reviewed, topic_statuses
from bot.kb.topics import Topic, load_topics
from bot.settings import get_settings

TOPICS = load_topics(get_settings().kb_dir)
NOW = datetime(2027, 9, 1, 10, 30, tzinfo=timezone.utc)


def reviewed_on(name: str, day: date) -> Topic:
    return TOPICS[name].model_copy(update={"last_reviewed": day})


def test_a_topic_is_due_six_months_after_its_last_review(db_session: Session) -> None:
    topics = {
        "scams": reviewed_on("scams", date(2027, 2, 28)),  # six months and a bit
        "nhs_app": reviewed_on("nhs_app", date(2027, 3, 1)),  # exactly six months: not yet
        "email": reviewed_on("email", date(2026, 1, 1)),
    }
    due = due_topics(db_session, topics, NOW.date())
    assert [status.name for status in due] == ["email", "scams"], "the longest ago first"
    statuses = topic_statuses(db_session, topics, NOW.date())
    assert [s.name for s in statuses] == ["email", "scams", "nhs_app"]
    assert statuses[0].sources == tuple(TOPICS["email"].sources)


def test_marking_reviewed_records_who_and_when_and_audits_it(db_session: Session) -> None:
    topics = {"scams": reviewed_on("scams", date(2026, 1, 1))}
    status = mark_reviewed(db_session, topics, "scams", "editor@leeds.gov.uk", NOW)
    db_session.commit()
    assert (
        status is not None
        and status.marked_reviewed == NOW.date()
        and status.reviewer == "editor@leeds.gov.uk"
    )
    assert status.file_reviewed == date(2026, 1, 1), "the file is not touched"
    assert status.last_reviewed == NOW.date() and not status.due(NOW.date())
    assert due_topics(db_session, topics, NOW.date()) == []
    entry = db_session.scalars(select(AuditEntry)).one()
    assert (entry.staff_email, entry.entity, entry.entity_id) == ("editor@leeds.gov.uk", AUDIT_KIND, "scams")
    assert entry.changes == {"last_reviewed": ["2026-01-01", "2027-09-01"]}


def test_a_newer_file_date_wins_over_an_older_mark(db_session: Session) -> None:
    db_session.add(
        TopicReview(topic="scams", reviewed_at=datetime(2027, 1, 5, tzinfo=timezone.utc), reviewer="a@x")
    )
    db_session.add(
        TopicReview(topic="scams", reviewed_at=datetime(2026, 6, 5, tzinfo=timezone.utc), reviewer="b@x")
    )
    db_session.commit()
    [status] = topic_statuses(db_session, {"scams": reviewed_on("scams", date(2027, 4, 1))}, NOW.date())
    assert status.marked_reviewed == date(2027, 1, 5) and status.reviewer == "a@x", "the latest mark"
    assert status.last_reviewed == date(2027, 4, 1), "the file is newer"


def test_an_unknown_topic_is_not_marked(db_session: Session) -> None:
    assert mark_reviewed(db_session, TOPICS, "no_such_topic", "editor@leeds.gov.uk", NOW) is None
    assert db_session.scalars(select(TopicReview)).all() == []
