"""Forgetting a person and the retention purge, against both databases and a tracker store."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.confidence.store import results_key
from bot.db import migrate
from bot.db.models import ConfidenceResult, Contact, UsageEvent, UsageKind
from bot.db.session import get_engine, session_scope
from bot.privacy.forget import forget_person
from bot.privacy.purge import parse_age, purge
from bot.privacy.store import TRACKER_EVENTS, app_database_url
from bot.pseudonym import person_key
from bot.usage.events import Usage, write_usage

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=120)


def _add_person(url: str, conversation: str, when: datetime) -> None:
    """Everything the bot keeps about one person: contact, usage, a confidence result, a conversation."""
    with session_scope(url) as session:
        session.add(Contact(person=person_key(conversation), channel="sms", first_seen=when, last_seen=when))
        write_usage(session, [Usage.of(UsageKind.QUESTION, "sms", conversation, "scams", when.date())])
        session.add(
            ConfidenceResult(
                person=results_key(conversation),
                taken_on=when.date(),
                area_scores={"safety": 50},
                total_score=50,
                level="getting_started",
            )
        )
    with get_engine(url).begin() as connection:
        TRACKER_EVENTS.create(connection, checkfirst=True)
        connection.execute(
            insert(TRACKER_EVENTS),
            [
                {
                    "sender_id": conversation,
                    "type_name": "user",
                    "timestamp": when.timestamp(),
                    "data": json.dumps({}),
                }
                for _ in range(3)
            ],
        )


def _count(url: str, statement) -> int:  # type: ignore[no-untyped-def]
    with session_scope(url) as session:
        return int(session.scalar(statement) or 0)


def test_forget_deletes_everything_of_one_person_only(migrated_url: str) -> None:
    _add_person(migrated_url, "sms-aaa", NOW)
    _add_person(migrated_url, "sms-bbb", NOW)
    forgotten = forget_person("sms-aaa", database_url=migrated_url, tracker_store_url=migrated_url)
    assert forgotten.conversation_events == 3 and forgotten.app_records == 3
    for table in (Contact, UsageEvent, ConfidenceResult):
        assert _count(migrated_url, select(func.count()).select_from(table)) == 1
    assert _count(migrated_url, select(func.count()).select_from(TRACKER_EVENTS)) == 3


def test_forget_before_any_conversation_is_stored(migrated_url: str) -> None:
    assert (
        forget_person("web-x", database_url=migrated_url, tracker_store_url=migrated_url).conversation_events
        == 0
    )


def test_purge_deletes_old_conversations_and_unlinks_old_figures(migrated_url: str) -> None:
    _add_person(migrated_url, "sms-old", OLD)
    _add_person(migrated_url, "sms-new", NOW)
    purged = purge(timedelta(days=90), database_url=migrated_url, tracker_store_url=migrated_url, now=NOW)
    assert (purged.conversation_events, purged.contacts) == (3, 1)
    assert (purged.usage_events_anonymised, purged.confidence_results_anonymised) == (1, 1)
    assert _count(migrated_url, select(func.count()).select_from(TRACKER_EVENTS)) == 3
    assert _count(migrated_url, select(func.count()).select_from(UsageEvent)) == 2, "the figures stay"
    assert _count(migrated_url, select(func.count()).where(UsageEvent.person.is_(None))) == 1
    assert _count(migrated_url, select(func.count()).where(ConfidenceResult.person == "")) == 1
    again = purge(timedelta(days=90), database_url=migrated_url, tracker_store_url=migrated_url, now=NOW)
    assert again.usage_events_anonymised == 0 and again.conversation_events == 0


def test_usage_is_counted_once_per_person_week_and_detail(migrated_url: str) -> None:
    monday, wednesday = date(2026, 11, 30), date(2026, 12, 2)
    with session_scope(migrated_url) as session:
        write_usage(session, [Usage.of(UsageKind.QUESTION, "sms", "sms-a", "scams", monday)])
        write_usage(session, [Usage.of(UsageKind.QUESTION, "sms", "sms-a", "scams", wednesday)] * 2)
        write_usage(session, [Usage.of(UsageKind.QUESTION, "sms", "sms-b", "scams", wednesday)])
    assert _count(migrated_url, select(func.count()).select_from(UsageEvent)) == 2


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("90", 90), ("12w", 84), (" 30 days ", 30)])
def test_ages(text: str, days: int) -> None:
    assert parse_age(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["", "0d", "-5d", "ninety", "3 months"])
def test_bad_ages_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="90d"):
        parse_age(text)


def test_engine_urls_become_app_urls() -> None:
    assert app_database_url("postgresql://u:p@h:5432/db") == "postgresql+psycopg://u:p@h:5432/db"
    assert app_database_url("sqlite:///var/tracker.db") == "sqlite:///var/tracker.db"


def test_forgotten_words_are_in_neither_the_database_nor_its_wal_file(tmp_path: Path) -> None:
    """SQLite keeps deleted rows in free pages and older page copies in the WAL file."""
    app, tracker = f"sqlite:///{tmp_path / 'app.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    migrate.upgrade(app)
    forgotten, kept = b"words-of-the-forgotten", b"words-of-another-resident"
    with session_scope(app) as session:
        write_usage(
            session, [Usage.of(UsageKind.NOT_UNDERSTOOD, "sms", "sms-aaa", forgotten.decode(), NOW.date())]
        )
    with get_engine(tracker).begin() as connection:
        TRACKER_EVENTS.create(connection, checkfirst=True)
    for turn in range(20):  # turn by turn, as the engine writes them
        with get_engine(tracker).begin() as connection:
            connection.execute(
                insert(TRACKER_EVENTS),
                [
                    {
                        "sender_id": "sms-aaa",
                        "type_name": "user",
                        "data": json.dumps({"text": f"{forgotten.decode()} {turn}"}),
                    },
                    {
                        "sender_id": "sms-bbb",
                        "type_name": "user",
                        "data": json.dumps({"text": f"{kept.decode()} {turn}"}),
                    },
                ],
            )
    forget_person("sms-aaa", database_url=app, tracker_store_url=tracker)
    files = {path.name: path.read_bytes() for path in tmp_path.iterdir() if ".db" in path.name}
    assert "tracker.db" in files and "app.db" in files
    assert {name: data.count(forgotten) for name, data in files.items()} == dict.fromkeys(files, 0)
    assert sum(data.count(kept) for data in files.values()) >= 20, "the others' conversations stay"
