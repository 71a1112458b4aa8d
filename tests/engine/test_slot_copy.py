"""engine/slot_copy.py: a slot copied directly is what copy.copy made of it before."""

from __future__ import annotations

import copy
import unittest
from pathlib import Path
from typing import Any

from rasa.shared.core import slots as rasa_slots
from rasa.shared.core.domain import Domain
from rasa.shared.core.slots import Slot, TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from engine import patches, slot_copy
from tests.engine.support import start_from_rasa_as_shipped

ROOT = Path(__file__).resolve().parents[2]


class Remembering(TextSlot):
    """A custom slot type with its own state for pickling: copy.copy's general path."""

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "copied_by_getstate": True}


def _as_rasa_copies(slot: Slot) -> Slot:
    return slot_copy._general_copy(slot)


class SlotCopies(unittest.TestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)
        self.domain = Domain.load(str(ROOT / "domain"))

    def _same_copy(self, slot: Slot) -> None:
        ours, rasas = copy.copy(slot), _as_rasa_copies(slot)
        self.assertIs(type(ours), type(rasas))
        self.assertEqual(vars(ours), vars(rasas))
        self.assertIsNot(vars(ours), vars(slot))
        for name, value in vars(slot).items():
            self.assertIs(vars(ours)[name], value, name)  # shallow, as copy.copy

    def test_every_slot_of_the_domain_and_every_rasa_slot_type(self) -> None:
        patches.apply()
        self.assertIs(Slot.__copy__, slot_copy.slot_copy)
        for slot in self.domain.slots:
            slot.value = ["a", "list"] if isinstance(slot, rasa_slots.ListSlot) else slot.value
            self._same_copy(slot)
        kinds = [cls for cls in vars(rasa_slots).values() if isinstance(cls, type) and issubclass(cls, Slot)]
        self.assertGreaterEqual(len({type(slot) for slot in self.domain.slots}), 4)
        for cls in kinds:
            if not getattr(cls, "__abstractmethods__", None):
                self._same_copy(cls("a_slot", mappings=[{"type": "custom"}]))

    def test_a_slot_type_with_its_own_copying_keeps_the_general_path(self) -> None:
        patches.apply()
        slot = Remembering("remembering", mappings=[{"type": "custom"}])
        self.assertTrue(vars(copy.copy(slot))["copied_by_getstate"])

    def test_a_tracker_made_with_the_patch_equals_one_made_without(self) -> None:
        before = DialogueStateTracker("someone", self.domain.slots)
        patches.apply()
        after = DialogueStateTracker("someone", self.domain.slots)
        self.assertEqual(
            {name: (type(s), vars(s)) for name, s in before.slots.items()},
            {name: (type(s), vars(s)) for name, s in after.slots.items()},
        )

    def test_rasa_as_shipped_has_no_copy_of_its_own(self) -> None:
        self.assertNotIn("__copy__", vars(Slot))


if __name__ == "__main__":
    unittest.main()
