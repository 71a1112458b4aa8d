"""Rasa's copies made only for debug log lines, made only when debug lines are written.

In `rasa.core.processor`, `rasa.core.policies.memoization` and `rasa.core.actions.forms`, every
`copy.deepcopy` is an argument of a `structlogger.debug(...)` call: a snapshot of the events, the
slots or the states for the log line. Python evaluates the argument whether or not the line is
written, and the engine runs at INFO, so each turn deep-copied its events and states several times
for nothing (about 3% of the engine's busy time, docs/performance.md).

Here those three modules see, in place of the `copy` module, one whose `deepcopy` copies only when
structlog would write a debug line (the configured wrapper's `debug` is not structlog's no-op),
and otherwise hands the value back unchanged, for a log line that is thrown away. Every other name
is the real `copy` module's. tests/engine/test_debug_copies.py checks that those modules still use
`copy.deepcopy` only inside debug calls, so a Rasa that used it for anything else would fail there.
"""

from __future__ import annotations

import copy
import types
from typing import Any

import structlog

MODULES = ("rasa.core.processor", "rasa.core.policies.memoization", "rasa.core.actions.forms")


def debug_written() -> bool:
    """Whether structlog writes debug lines (a filtering wrapper below DEBUG makes `debug` a no-op)."""
    wrapper = structlog.get_config().get("wrapper_class")
    return getattr(getattr(wrapper, "debug", None), "__name__", "") != "_nop"


def deepcopy_for_debug_log(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """`copy.deepcopy`, when the copy goes into a debug line that is written."""
    return copy.deepcopy(value, memo) if debug_written() else value


class _CopyForDebugLogs(types.ModuleType):
    """The `copy` module, but with `deepcopy_for_debug_log` as its `deepcopy`."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def replacing_copy_module(_original: Any) -> Any:
    """One for each module (each is marked as that module's replacement)."""
    module = _CopyForDebugLogs("copy")
    module.deepcopy = deepcopy_for_debug_log  # type: ignore[attr-defined]
    return module
