"""Rasa's SQL tracker store, without re-reading a whole conversation on every turn.

Rasa's SQLTrackerStore loads and replays every event of the session at each turn, then counts
them again to know what to save: a quarter of the engine's busy time, growing with the length
of the conversation (bench/load.py, docs/performance.md). This store keeps the trackers of
recent conversations in memory and asks the database one cheap question per turn, "what is
the newest event of this conversation?":
- the same as the cached one: the cached tracker is used as it is;
- newer (another engine replica took the last turn): only the new events are read and applied;
- older or gone ("forget me", the purge): the conversation is read afresh, or is new.
So several replicas can share one database: the database stays the truth, the cache only
saves reading it again. A tracker changed in memory but not saved (a turn that failed) is
never reused, and a new session (SessionStarted) is always read afresh, as Rasa would. A
conversation the resident asked to forget leaves the cache with that turn
(engine/channel.py), before the gateway deletes its rows.

On SQLite (the embedded default) Rasa opens a new connection for every query and commits with
a full fsync in the default journal: here connections are pooled and the journal is WAL with
synchronous=NORMAL, as the app's own database (bot/db/session.py), which is safe for WAL, and
secure_delete, so deleted events ("forget me", the purge) are overwritten, not left in free pages.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
import sqlalchemy.pool
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from engine.speedups import json_dumps

MAX_CACHED = 300
IDLE_SECONDS = 15 * 60
ROWS_PER_INSERT = 100
_COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")
_PLAIN_DIALECTS = {"sqlite": "?", "postgresql": "%s"}  # the placeholder each one's driver takes


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000", "secure_delete=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


@dataclass
class _Cached:
    tracker: DialogueStateTracker
    newest_id: int  # the newest stored event of the conversation
    stored: int  # how many of tracker.events are in the database
    used_at: float


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, max_cached: int = MAX_CACHED, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._max_cached = int(max_cached)
        if self.engine.dialect.name == "sqlite":
            self._pool_sqlite()

    def _pool_sqlite(self) -> None:
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, poolclass=sa.pool.QueuePool, pool_size=2, connect_args={"check_same_thread": False}
        )
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _newest_id(self, session: Any, sender_id: str) -> int | None:
        """The id of the conversation's newest stored event (`session`: an ORM session or a connection)."""
        newest: int | None = session.execute(self._newest_statement, {"sender_id": sender_id}).scalar()
        return newest

    @functools.cached_property
    def _newest_statement(self) -> sa.sql.Select:
        table = self.SQLEvent.__table__
        return sa.select(sa.func.max(table.c.id)).where(table.c.sender_id == sa.bindparam("sender_id"))

    @functools.cached_property
    def _mark(self) -> str | None:
        """The driver's placeholder, on the databases whose per-turn queries go straight to it.

        The three per-turn statements are fixed, so on SQLite and PostgreSQL they are plain SQL
        run on a pooled driver connection: SQLAlchemy's statement compilation, cache keys and
        result objects were half of the store's time. Other databases take SQLAlchemy's way.
        """
        return _PLAIN_DIALECTS.get(self.engine.dialect.name)

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[Any]:
        """A cursor on a pooled driver connection, committed at the end or rolled back on error.

        Errors are raised as SQLAlchemy raises them (sqlalchemy.exc.DBAPIError and its kinds),
        and a connection the database dropped is thrown away, not put back in the pool.
        """
        dialect = self.engine.dialect
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                yield cursor
                connection.commit()
            except dialect.dbapi.Error as error:
                if dialect.is_disconnect(error, connection.dbapi_connection, cursor):
                    connection.invalidate(error)
                else:
                    connection.rollback()
                raise sa.exc.DBAPIError.instance(
                    None, None, error, dialect.dbapi.Error, dialect=dialect
                ) from error
            except BaseException:
                connection.rollback()
                raise
            finally:
                with contextlib.suppress(Exception):
                    cursor.close()
        finally:
            connection.close()

    def _newest_by_cursor(self, cursor: Any, sender_id: str) -> int | None:
        cursor.execute(f"SELECT max(id) FROM events WHERE sender_id = {self._mark}", (sender_id,))
        row = cursor.fetchone()
        return None if row is None else row[0]

    def _current_newest(self, sender_id: str) -> int | None:
        """The id of the conversation's newest stored event, asked on its own (every turn)."""
        if self._mark is None:
            with self.engine.connect() as connection:
                return self._newest_id(connection, sender_id)
        with self._cursor() as cursor:
            return self._newest_by_cursor(cursor, sender_id)

    def _stored_count(self, sender_id: str) -> int:
        """How many events of the conversation's current session are stored, as Rasa counts them
        (`_event_query(...).count()`: the events from the latest SessionStarted on, or all)."""
        mark = self._mark
        if mark is None:
            with self.session_scope() as session:
                count: int = self._event_query(
                    session, sender_id, fetch_events_from_all_sessions=False
                ).count()
                return count
        with self._cursor() as cursor:
            cursor.execute(self._session_sql("count(*)"), (sender_id, SessionStarted.type_name, sender_id))
            return int(cursor.fetchone()[0])

    def _session_sql(self, columns: str) -> str:
        """Rasa's `_event_query` for the current session, as plain SQL: the conversation's events
        from its latest SessionStarted's timestamp on, or all of them if it has none."""
        mark = self._mark
        return (
            f"SELECT {columns} FROM events, (SELECT max(timestamp) AS session_start FROM events"
            f" WHERE sender_id = {mark} AND type_name = {mark}) AS latest"
            f" WHERE events.sender_id = {mark} AND (events.timestamp >= latest.session_start"
            " OR latest.session_start IS NULL)"
        )

    def _session_rows(self, session: Any, sender_id: str) -> list[tuple[int, str]]:
        """The id and data of each event of the conversation's current session, oldest first."""
        if self._mark is None:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            return [(row.id, row.data) for row in query.all()]
        with self._cursor() as cursor:
            cursor.execute(
                self._session_sql("events.id, events.data") + " ORDER BY events.id",
                (sender_id, SessionStarted.type_name, sender_id),
            )
            return [(row[0], row[1]) for row in cursor.fetchall()]

    def _insert(self, sender_id: str, rows: list[tuple[Any, ...]]) -> int | None:
        """Store a turn's new events in one transaction; the conversation's newest id after it."""
        if self._mark is None:
            # One executemany on a plain connection, not the ORM's unit of work.
            with self.engine.begin() as connection:
                connection.execute(
                    self.SQLEvent.__table__.insert(), [dict(zip(_COLUMNS, row, strict=False)) for row in rows]
                )
                return self._newest_id(connection, sender_id)
        with self._cursor() as cursor:
            for start in range(0, len(rows), ROWS_PER_INSERT):
                batch = rows[start : start + ROWS_PER_INSERT]
                cursor.execute(self._insert_sql(len(batch)), [value for row in batch for value in row])
            return self._newest_by_cursor(cursor, sender_id)

    @functools.lru_cache(maxsize=ROWS_PER_INSERT)  # noqa: B019 (one store per engine, kept for life)
    def _insert_sql(self, count: int) -> str:
        """An INSERT of `count` rows in one statement (psycopg2's executemany is a round trip a row)."""
        one = "(" + ", ".join([str(self._mark)] * len(_COLUMNS)) + ")"
        return f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES " + ", ".join([one] * count)

    def drop_cached(self, sender_id: str) -> None:
        """Forget the in-memory copy of a conversation ("forget me": the database rows go next)."""
        self._cache.pop(sender_id, None)

    def _remember(self, sender_id: str, entry: _Cached) -> None:
        self._cache[sender_id] = entry
        self._cache.move_to_end(sender_id)
        now = time.monotonic()
        while self._cache and (
            len(self._cache) > self._max_cached
            or next(iter(self._cache.values())).used_at < now - IDLE_SECONDS
        ):
            self._cache.popitem(last=False)

    def _fresh_from(self, session: Any, cached: _Cached, newest: int | None) -> DialogueStateTracker | None:
        """The cached tracker brought up to date, or None when it has to be read afresh."""
        if newest is None or newest < cached.newest_id or len(cached.tracker.events) != cached.stored:
            return None
        if newest > cached.newest_id:
            rows = (
                session.query(self.SQLEvent)
                .filter(
                    self.SQLEvent.sender_id == cached.tracker.sender_id, self.SQLEvent.id > cached.newest_id
                )
                .order_by(self.SQLEvent.id)
                .all()
            )
            events = deserialise_events([json.loads(row.data) for row in rows])
            if any(isinstance(event, SessionStarted) for event in events):
                return None
            for event in events:
                cached.tracker.update(event)
            cached.newest_id, cached.stored = rows[-1].id, cached.stored + len(rows)
        cached.used_at = time.monotonic()
        return cached.tracker

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions or self.domain is None:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        # Most turns end here: one query on a plain connection, no ORM session (opening and
        # closing one was about a third of the store's time).
        newest = self._current_newest(sender_id)
        cached = self._cache.pop(sender_id, None)
        if cached is not None and self._unchanged(cached, newest):
            cached.used_at = time.monotonic()
            self._remember(sender_id, cached)
            return cached.tracker
        with self.session_scope() as session:
            if cached is not None:
                tracker = self._fresh_from(session, cached, newest)
                if tracker is not None:
                    self._remember(sender_id, cached)
                    return tracker
            if newest is None:
                return None
            rows = self._session_rows(session, sender_id)
            if not rows:
                return None
            tracker = DialogueStateTracker.from_dict(
                sender_id, [json.loads(data) for _id, data in rows], self.domain.slots
            )
            self._remember(sender_id, _Cached(tracker, rows[-1][0], len(rows), time.monotonic()))
            return tracker

    @staticmethod
    def _unchanged(cached: _Cached, newest: int | None) -> bool:
        """The cached tracker is the conversation as stored: nothing newer, nothing unsaved."""
        return (
            newest is not None and newest == cached.newest_id and len(cached.tracker.events) == cached.stored
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        cached = self._cache.pop(tracker.sender_id, None)
        if cached is not None and cached.tracker is tracker and cached.stored <= len(tracker.events):
            start = cached.stored
        else:
            start = self._stored_count(tracker.sender_id)
        new_events = list(itertools.islice(tracker.events, start, len(tracker.events)))
        rows = []
        for event in new_events:
            data = event.as_dict()
            rows.append(
                (
                    tracker.sender_id,
                    event.type_name,
                    data.get("timestamp"),
                    data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    data.get("name"),
                    json_dumps(data),
                )
            )
        newest = self._insert(tracker.sender_id, rows) if rows else None
        new_session = any(isinstance(event, SessionStarted) for event in new_events)
        if newest is not None and not new_session and (cached is None or cached.tracker is tracker):
            self._remember(tracker.sender_id, _Cached(tracker, newest, start + len(rows), time.monotonic()))
