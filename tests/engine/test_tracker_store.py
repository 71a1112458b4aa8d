"""engine/tracker_store.py: Rasa's SQL store with recent conversations kept in memory, the
database still the truth (another replica's turn is read, a forgotten one is gone)."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from engine.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.from_dict({"intents": ["greet"], "slots": {"need": {"type": "text", "mappings": []}}})


class CachedStoreTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.db = str(Path(directory.name) / "trackers.db")

    def store(self) -> CachedSQLTrackerStore:
        store = CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=self.db)
        self.addCleanup(store.engine.dispose)
        return store

    async def test_a_saved_conversation_is_served_from_memory(self) -> None:
        store = self.store()
        tracker = DialogueStateTracker.from_events("resident", [UserUttered("hi", {"name": "greet"})])
        await store.save(tracker)
        self.assertIs(await store.retrieve("resident"), tracker)

    async def test_another_replicas_turn_is_read_from_the_database(self) -> None:
        mine, other = self.store(), self.store()
        await mine.save(DialogueStateTracker.from_events("resident", [UserUttered("hi", {"name": "greet"})]))
        theirs = await other.retrieve("resident")
        assert theirs is not None
        theirs.update(SlotSet("need", "wifi"))
        theirs.update(ActionExecuted("action_listen"))
        await other.save(theirs)
        tracker = await mine.retrieve("resident")
        assert tracker is not None
        self.assertEqual(tracker.get_slot("need"), "wifi")
        self.assertEqual(len(tracker.events), len(theirs.events))

    async def test_a_dropped_conversation_is_read_afresh(self) -> None:
        store = self.store()
        tracker = DialogueStateTracker.from_events("resident", [UserUttered("hi", {"name": "greet"})])
        await store.save(tracker)
        store.drop_cached("resident")
        again = await store.retrieve("resident")
        assert again is not None
        self.assertIsNot(again, tracker)
        self.assertEqual([event.text for event in again.events if isinstance(event, UserUttered)], ["hi"])
        self.assertIsNone(await store.retrieve("nobody"))

    async def test_a_turn_that_was_not_saved_is_not_served_from_memory(self) -> None:
        store = self.store()
        tracker = DialogueStateTracker.from_events("resident", [UserUttered("hi", {"name": "greet"})])
        await store.save(tracker)
        tracker.update(SlotSet("need", "wifi"))  # a turn that failed before it was saved
        again = await store.retrieve("resident")
        assert again is not None
        self.assertIsNot(again, tracker)
        self.assertIsNone(again.get_slot("need"))

    async def test_rows_deleted_in_the_database_are_not_served_from_memory(self) -> None:
        store = self.store()
        await store.save(DialogueStateTracker.from_events("resident", [UserUttered("hi", {"name": "greet"})]))
        with store.engine.begin() as connection:  # as "forget me" and the purge delete them
            connection.execute(store.SQLEvent.__table__.delete())
        self.assertIsNone(await store.retrieve("resident"))

    async def test_every_turn_stores_exactly_the_new_events(self) -> None:
        store = self.store()
        tracker = DialogueStateTracker.from_events("resident", [UserUttered("hi", {"name": "greet"})])
        for turn in range(3):
            await store.save(tracker)
            served = await store.retrieve("resident")
            self.assertIs(served, tracker)
            tracker.update(ActionExecuted("action_listen"))
            tracker.update(UserUttered(f"turn {turn}", {"name": "greet"}))
        await store.save(tracker)
        store.drop_cached("resident")
        read = await store.retrieve("resident")
        assert read is not None
        self.assertEqual([e.as_dict() for e in read.events], [e.as_dict() for e in tracker.events])


if __name__ == "__main__":
    unittest.main()
