"""Engines, sessions and migrations on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from bot.db import migrate
from bot.db.models import Base, HelpSession, Recurrence, Venue
from bot.db.session import get_engine, ping, session_scope
from bot.settings import get_settings


def test_engines_are_cached_per_url(sqlite_url: str, tmp_path: Path) -> None:
    assert get_engine(sqlite_url) is get_engine(sqlite_url)
    assert get_engine(sqlite_url) is not get_engine(f"sqlite:///{tmp_path / 'other.db'}")


def test_sqlite_uses_wal_and_foreign_keys(sqlite_url: str) -> None:
    with get_engine(sqlite_url).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_ping(database_url: str) -> None:
    assert ping(database_url)
    assert not ping("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")


def test_session_scope_commits_or_rolls_back(migrated_url: str) -> None:
    with session_scope(migrated_url) as session:
        session.add(Venue(name="Kept", latitude=53.8, longitude=-1.5))

    def fail_half_way() -> None:
        with session_scope(migrated_url) as session:
            session.add(Venue(name="Dropped", latitude=53.8, longitude=-1.5))
            session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_half_way()
    with session_scope(migrated_url) as session:
        assert session.scalars(select(Venue.name)).all() == ["Kept"]


def test_migrations_match_the_models_and_run_down_and_up(database_url: str) -> None:
    assert migrate.upgrade(database_url) is True
    assert migrate.upgrade(database_url) is False
    engine = get_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": migrate.include_object})
        assert compare_metadata(context, Base.metadata) == []
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.forget(database_url)
    assert migrate.upgrade(database_url) is True
    assert migrate.current_revision(database_url) == migrate.head_revision()


def test_deleting_a_venue_deletes_its_sessions(migrated_url: str) -> None:
    from datetime import time

    with session_scope(migrated_url) as session:
        venue = Venue(name="Hub", latitude=53.8, longitude=-1.5)
        venue.sessions.append(
            HelpSession(title="Drop-in", recurrence=Recurrence.WEEKLY, weekday=0, start_time=time(10))
        )
        session.add(venue)
    with session_scope(migrated_url) as session:
        session.execute(delete(Venue))
    with session_scope(migrated_url) as session:
        assert session.scalars(select(HelpSession)).all() == []


def test_the_network_column_only_takes_known_networks(migrated_url: str) -> None:
    from datetime import time

    with session_scope(migrated_url) as session:
        venue = Venue(name="Hub", latitude=53.8, longitude=-1.5)
        session.add(venue)
        session.flush()
        bad = insert(HelpSession).values(
            venue_id=venue.id, title="x", network="sport", recurrence="weekly", start_time=time(10)
        )
        with pytest.raises(IntegrityError):
            session.execute(bad)
        session.rollback()


def test_the_default_url_is_the_settings_one() -> None:
    assert get_settings().database_url.startswith("sqlite:///")
