"""engine/tracker_store.py: Rasa's SQL store with recent conversations kept in memory, the
database still the truth (another replica's turn is read, a forgotten one is gone)."""

from __future__ import annotations

import itertools
import json
import tempfile
import unittest
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from engine.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.from_dict({"intents": ["greet"], "slots": {"need": {"type": "text", "mappings": []}}})
POSTGRES = {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432, "db": "test", "username": "postgres"}


def postgres_reachable() -> bool:
    try:
        sa.create_engine("postgresql://postgres@127.0.0.1:5432/test").connect().close()
    except Exception:
        return False
    return True


def sessions_of(turns: int, timestamps: list[float | None]) -> list[Event]:
    """A conversation over several sessions, with odd timestamps (equal ones, missing ones)."""
    events: list[Event] = []
    stamp = itertools.cycle(timestamps)
    for turn in range(turns):
        if turn % 3 == 0:
            events += [
                ActionExecuted("action_session_start", timestamp=next(stamp)),
                SessionStarted(timestamp=next(stamp)),
            ]
        events += [
            ActionExecuted("action_listen", timestamp=next(stamp)),
            UserUttered(f"hi/{turn} é", {"name": "greet", "confidence": 0.25}, timestamp=next(stamp)),
            SlotSet("need", {"a": [1, 2.5, None]}, timestamp=next(stamp)),
            BotUttered("Hello </b>", {"buttons": [{"title": "x", "payload": "/y"}]}, timestamp=next(stamp)),
        ]
    return events


class CachedStoreTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.db = str(Path(directory.name) / "trackers.db")
        self.resident = f"resident-{uuid.uuid4().hex}"  # the PostgreSQL database is shared

    def settings(self) -> dict[str, Any]:
        return {"dialect": "sqlite", "db": self.db}

    def store(self) -> CachedSQLTrackerStore:
        store = CachedSQLTrackerStore(DOMAIN, **self.settings())
        self.addCleanup(store.engine.dispose)
        return store

    def rasas(self) -> SQLTrackerStore:
        store = SQLTrackerStore(DOMAIN, **self.settings())
        self.addCleanup(store.engine.dispose)
        return store

    def rows(self, store: SQLTrackerStore, sender_id: str) -> list[tuple[Any, ...]]:
        table = store.SQLEvent.__table__
        with store.engine.connect() as connection:
            rows = connection.execute(
                sa.select(table).where(table.c.sender_id == sender_id).order_by(table.c.id)
            )
            return [
                (row.type_name, row.timestamp, row.intent_name, row.action_name, json.loads(row.data))
                for row in rows
            ]

    async def test_the_rows_stored_are_rasas(self) -> None:
        mine, rasas = self.store(), self.rasas()
        events = sessions_of(7, [1.0, 2.0, 2.0, 3.5])
        for cut in (1, 5, 12, len(events)):
            await mine.save(DialogueStateTracker.from_events(self.resident, events[:cut]))
            await rasas.save(DialogueStateTracker.from_events(self.resident + "-rasa", events[:cut]))
        self.assertEqual(self.rows(mine, self.resident), self.rows(rasas, self.resident + "-rasa"))
        mine.drop_cached(self.resident)
        read, rasa_read = await mine.retrieve(self.resident), await rasas.retrieve(self.resident + "-rasa")
        assert read is not None and rasa_read is not None
        self.assertEqual([e.as_dict() for e in read.events], [e.as_dict() for e in rasa_read.events])
        self.assertEqual(read.current_state(), {**rasa_read.current_state(), "sender_id": self.resident})
        self.assertGreaterEqual(len(self.rows(mine, self.resident)), len(events))  # Rasa repeats some

    async def test_the_stored_events_are_counted_as_rasa_counts_them(self) -> None:
        mine = self.store()
        for number, stamps in enumerate([[1.0, 2.0], [5.0, 5.0, 4.0], [1.0, 7.0, 7.0, 2.0], [3.0]]):
            sender = f"{self.resident}-{number}"
            self.assertEqual(mine._stored_count(sender), 0)
            for cut in (1, 3, 9, 20):
                await mine.save(DialogueStateTracker.from_events(sender, sessions_of(8, stamps)[:cut]))
                mine.drop_cached(sender)
                with mine.session_scope() as session:
                    rasa_count = mine._event_query(
                        session, sender, fetch_events_from_all_sessions=False
                    ).count()
                self.assertEqual(mine._stored_count(sender), rasa_count)
        with mine.engine.begin() as connection:  # events without a timestamp
            table = mine.SQLEvent.__table__
            mine_only = table.c.sender_id.like(f"{self.resident}-%")
            connection.execute(table.update().where(mine_only, table.c.id % 3 == 0).values(timestamp=None))
        for number in range(4):
            sender = f"{self.resident}-{number}"
            with mine.session_scope() as session:
                rasa_count = mine._event_query(session, sender, fetch_events_from_all_sessions=False).count()
            self.assertEqual(mine._stored_count(sender), rasa_count)

    async def test_database_errors_are_raised_as_sqlalchemy_raises_them(self) -> None:
        store = self.store()
        await store.save(
            DialogueStateTracker.from_events(self.resident, [UserUttered("hi", {"name": "greet"})])
        )
        with self.assertRaises(sa.exc.DBAPIError), store._cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM events")
        self.assertIsNotNone(await store.retrieve(self.resident))  # the connection is still good

    async def test_a_saved_conversation_is_served_from_memory(self) -> None:
        store = self.store()
        tracker = DialogueStateTracker.from_events(self.resident, [UserUttered("hi", {"name": "greet"})])
        await store.save(tracker)
        self.assertIs(await store.retrieve(self.resident), tracker)

    async def test_another_replicas_turn_is_read_from_the_database(self) -> None:
        mine, other = self.store(), self.store()
        await mine.save(
            DialogueStateTracker.from_events(self.resident, [UserUttered("hi", {"name": "greet"})])
        )
        theirs = await other.retrieve(self.resident)
        assert theirs is not None
        theirs.update(SlotSet("need", "wifi"))
        theirs.update(ActionExecuted("action_listen"))
        await other.save(theirs)
        tracker = await mine.retrieve(self.resident)
        assert tracker is not None
        self.assertEqual(tracker.get_slot("need"), "wifi")
        self.assertEqual(len(tracker.events), len(theirs.events))

    async def test_a_dropped_conversation_is_read_afresh(self) -> None:
        store = self.store()
        tracker = DialogueStateTracker.from_events(self.resident, [UserUttered("hi", {"name": "greet"})])
        await store.save(tracker)
        store.drop_cached(self.resident)
        again = await store.retrieve(self.resident)
        assert again is not None
        self.assertIsNot(again, tracker)
        self.assertEqual([event.text for event in again.events if isinstance(event, UserUttered)], ["hi"])
        self.assertIsNone(await store.retrieve("nobody"))

    async def test_a_turn_that_was_not_saved_is_not_served_from_memory(self) -> None:
        store = self.store()
        tracker = DialogueStateTracker.from_events(self.resident, [UserUttered("hi", {"name": "greet"})])
        await store.save(tracker)
        tracker.update(SlotSet("need", "wifi"))  # a turn that failed before it was saved
        again = await store.retrieve(self.resident)
        assert again is not None
        self.assertIsNot(again, tracker)
        self.assertIsNone(again.get_slot("need"))

    async def test_rows_deleted_in_the_database_are_not_served_from_memory(self) -> None:
        store = self.store()
        await store.save(
            DialogueStateTracker.from_events(self.resident, [UserUttered("hi", {"name": "greet"})])
        )
        with store.engine.begin() as connection:  # as "forget me" and the purge delete them
            table = store.SQLEvent.__table__
            connection.execute(table.delete().where(table.c.sender_id == self.resident))
        self.assertIsNone(await store.retrieve(self.resident))

    async def test_every_turn_stores_exactly_the_new_events(self) -> None:
        store = self.store()
        tracker = DialogueStateTracker.from_events(self.resident, [UserUttered("hi", {"name": "greet"})])
        for turn in range(3):
            await store.save(tracker)
            served = await store.retrieve(self.resident)
            self.assertIs(served, tracker)
            tracker.update(ActionExecuted("action_listen"))
            tracker.update(UserUttered(f"turn {turn}", {"name": "greet"}))
        await store.save(tracker)
        store.drop_cached(self.resident)
        read = await store.retrieve(self.resident)
        assert read is not None
        self.assertEqual([e.as_dict() for e in read.events], [e.as_dict() for e in tracker.events])


@unittest.skipUnless(postgres_reachable(), "no PostgreSQL on 127.0.0.1:5432")
class PostgresCachedStoreTest(CachedStoreTest):
    """The same, on PostgreSQL (the production database)."""

    def settings(self) -> dict[str, Any]:
        return dict(POSTGRES)


if __name__ == "__main__":
    unittest.main()
