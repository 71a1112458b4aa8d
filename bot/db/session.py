"""Engines and sessions: one engine per database URL, made on first use.

SQLite gets WAL (the action server reads while an import writes), foreign keys (off by
default in SQLite, and the cascades rely on them), a larger page cache, and secure_delete: a
deleted row is overwritten with zeros rather than left in the file's free space, so "forget me"
leaves no readable trace (with `checkpoint`, which folds the WAL file back into the database and
empties it). Nothing connects at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, Engine, Executable, create_engine, event, make_url, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA cache_size=-32768")  # 32 MB rather than 2 MB: bulk imports need it
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _create(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _enable_sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str) -> Engine:
    """The engine for `url` (the edges pass DATABASE_URL), created once per URL and then reused."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _create(url)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (tests, and forked workers)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back when it raises."""
    session = Session(get_engine(url), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def read(session: Session, statement: Executable, params: Mapping[str, Any]) -> CursorResult[Any]:
    """Run a SELECT of columns (not ORM objects) on the session's connection, in its transaction.

    What `session.execute` gives for such a statement, with the flush it would do first, without
    the ORM's handling of the result, which cost more than a small query on SQLite. With a
    statement built once (values as parameters) it skips building and keying it too.
    """
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE and say how many rows it touched.

    `Session.execute` is typed as returning any Result; for DML it is a CursorResult.
    """
    result = session.execute(statement)
    if not isinstance(result, CursorResult):
        raise TypeError("rows_changed takes an UPDATE or a DELETE")
    return result.rowcount


def checkpoint(url: str) -> None:
    """SQLite only: copy the WAL into the database and truncate it, so that what was deleted is
    in neither file (the WAL keeps older copies of changed pages until then). Elsewhere a no-op."""
    engine = get_engine(url)
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def ping(url: str) -> bool:
    """True when the database answers SELECT 1 (for /health); never raises."""
    try:
        with get_engine(url).connect() as connection:
            return connection.execute(select(1)).scalar() == 1
    except SQLAlchemyError:
        return False
