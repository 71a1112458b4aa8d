"""Alembic environment: runs on a connection handed over by `bot.db.migrate`, or on DATABASE_URL.

`alembic -c alembic.ini revision --autogenerate -m "..."` compares against `bot.db.models`.
PostgreSQL's GiST index on venue positions is written by hand and hidden from it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.db.migrate import include_object
from bot.db.models import Base
from bot.db.session import get_engine
from bot.settings import get_settings

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # Run by the `alembic` command (an edge, like the CLI): alembic.ini's URL, else the settings'.
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    with get_engine(url).connect() as fresh:
        _run(fresh)
        fresh.commit()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: run them against a database.")
run_migrations_online()
