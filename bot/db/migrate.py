"""Run the Alembic migrations from code, so every command can bring a fresh database to head.

The migration scripts live inside the package (`bot/db/migrations`), so an installed bot can
migrate without the repository's `alembic.ini`. The check is cheap (one query for the current
revision) and remembered per URL for the life of the process.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from bot.db.session import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The PostgreSQL-only GiST index, written by hand in migration 0001 and so invisible to the
# models: autogenerate must leave it alone.
SPATIAL_OBJECTS = ("ix_venues_point",)
_current: set[str] = set()


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's autogenerate filter: everything except the backend-specific spatial index."""
    return not (name is not None and name.startswith(SPATIAL_OBJECTS))


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration this code has (read from the scripts once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(url: str) -> str | None:
    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


SET_UP_HINT = "run `python -m bot setup-db` (or `make database`) first"


def schema_problem(url: str) -> str | None:
    """Why the database at `url` cannot serve this code, in one line; None when it is at head.

    One query (Alembic's version table), so /health can ask it every time: a bot whose tables
    are missing or older than its code fails every turn that touches them, and must not say
    it is healthy.
    """
    try:
        current = current_revision(url)
    except (SQLAlchemyError, OSError) as error:
        return f"The database cannot be reached ({type(error).__name__}): check DATABASE_URL."
    head = head_revision()
    if current == head:
        return None
    if current is None:
        return f"The database has never been set up: {SET_UP_HINT}."
    return f"The database is at revision {current} but this code needs {head}: {SET_UP_HINT}."


def upgrade(url: str) -> bool:
    """Migrate the database to head. Returns True when something was applied."""
    key = url
    if key in _current:
        return False
    applied = False
    if current_revision(key) != head_revision():
        config = alembic_config()
        with get_engine(key).begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        applied = True
    _current.add(key)
    return applied


def forget(url: str) -> None:
    """Forget that `url` is up to date (a test dropped its schema)."""
    _current.discard(url)
