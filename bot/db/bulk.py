"""Bulk insert and update for imports of 100,000 rows, at the speed of the database driver.

SQLAlchemy's executemany runs every value of every row through its type processors; for a
venue row of 30 columns that is most of an import's time. These helpers compile the usual
SQLAlchemy `insert`/`update` statement once and hand the driver the rows as they are, so the
values must already be what the driver takes: str, int, float, bool, None and `date` (both
sqlite3 and psycopg accept them as they are). Anything else (enums, JSON) goes through the
ORM instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, update

def _check(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    keys = list(rows[0])
    for row in rows:
        if list(row) != keys:
            raise ValueError("every row must have the same columns, in the same order")
    return keys


def _run(connection: Connection, statement: Any, rows: Sequence[Mapping[str, Any]], keys: list[str]) -> None:
    compiled = statement.compile(dialect=connection.dialect, column_keys=keys)
    if compiled.positional:
        order = list(compiled.positiontup or ())
        parameters: Sequence[Any] = [tuple(row[name] for name in order) for row in rows]
    else:
        parameters = rows
    connection.exec_driver_sql(compiled.string, parameters)  # type: ignore[arg-type]


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row (dicts with the same keys). Server defaults fill the columns left out."""
    if rows:
        _run(connection, insert(table), rows, _check(rows))


def update_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], key: str = "id") -> None:
    """UPDATE each row's columns where `key` matches (each row carries its `key`)."""
    if not rows:
        return
    keys = _check(rows)
    columns = [name for name in keys if name != key]
    where_name = f"match_{key}"
    # The SET clause comes from `column_keys` (one parameter per column, named after it).
    statement = update(table).where(table.c[key] == bindparam(where_name))
    renamed = [{**{name: row[name] for name in columns}, where_name: row[key]} for row in rows]
    _run(connection, statement, renamed, [*columns, where_name])

