"""A slot copied as `copy.copy` copies it, without its general machinery.

Every tracker Rasa makes copies each of the domain's slots (`DialogueStateTracker.__init__`:
`copy.copy(slot)`), and Rasa makes several trackers a turn (a copy before each action, a form's
look at its own events, the replays that engine/states.py cannot avoid). `copy.copy` of a plain
object asks it how to rebuild itself (`__reduce_ex__`), then rebuilds it through copyreg: about
4% of the engine's busy time, for forty-odd slots a tracker.

Rasa's slot classes keep everything in the instance's `__dict__`, define no `__slots__`,
`__copy__`, `__reduce__`, `__reduce_ex__`, `__getstate__` or `__setstate__`, so `copy.copy` makes
a new instance of the same class, without calling `__init__`, with a shallow copy of that
`__dict__`. `Slot.__copy__` below does exactly that; a slot class that defines any of those
(a custom slot type) keeps Rasa's way, `copy.copy`'s general path.
"""

from __future__ import annotations

import copy
import copyreg
from typing import Any

from rasa.shared.core.slots import Slot

# What would make copy.copy do something other than "same class, shallow copy of __dict__".
MARK = "__getonline_plain_copy__"  # on slot_copy: Slot's __copy__ once apply() has added it


def _plain(cls: Any) -> bool:
    """Whether `copy.copy` of an instance of `cls` is `cls.__new__(cls)` with its `__dict__` copied:
    no hook that `copy.copy` consults (a registered reducer, `__copy__` other than ours,
    `__reduce_ex__`, `__reduce__`, `__getstate__`, `__setstate__`) and no non-empty `__slots__`."""
    own_copy = getattr(cls, "__copy__", None)
    return (
        cls not in copyreg.dispatch_table
        and (own_copy is None or getattr(own_copy, MARK, False))
        and cls.__reduce_ex__ is object.__reduce_ex__
        and cls.__reduce__ is object.__reduce__
        and getattr(cls, "__getstate__", None) is getattr(object, "__getstate__", None)
        and getattr(cls, "__setstate__", None) is None
        and not any(vars(klass).get("__slots__") for klass in cls.__mro__)  # abc.ABC's are empty
    )


_PLAIN: dict[type, bool] = {}


def slot_copy(self: Slot) -> Slot:
    """`copy.copy(slot)`: the same class, not initialised again, with a shallow copy of its dict."""
    cls = type(self)
    plain = _PLAIN.get(cls)
    if plain is None:
        plain = _PLAIN[cls] = _plain(cls)
    if not plain:
        return _general_copy(self)
    twin = cls.__new__(cls)
    twin.__dict__.update(self.__dict__)
    return twin


setattr(slot_copy, MARK, True)


def _general_copy(slot: Slot) -> Slot:
    """What copy.copy does without a `__copy__`: through `__reduce_ex__` and copyreg."""
    reductor = type(slot).__reduce_ex__
    rv = reductor(slot, 4)
    return copy._reconstruct(slot, None, *rv)  # type: ignore[attr-defined,no-any-return]


def adding_slot_copy(_absent: Any) -> Any:
    return slot_copy
