"""engine/debug_copies.py: Rasa's debug-only deep copies are skipped when debug lines are not written."""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import logging
import unittest

import structlog

from engine import debug_copies, patches
from tests.engine.support import start_from_rasa_as_shipped


def _deepcopy_calls_outside_debug_lines(module_name: str) -> list[int]:
    """Lines where the module calls copy.deepcopy other than as an argument of a `.debug(...)`."""
    tree = ast.parse(inspect.getsource(importlib.import_module(module_name)))
    inside_debug: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "debug":
            for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                inside_debug.update(id(child) for child in ast.walk(argument))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "deepcopy"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "copy"
        and id(node) not in inside_debug
    ]


class DebugCopies(unittest.TestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)
        saved = structlog.get_config()
        self.addCleanup(lambda: structlog.configure(**saved))

    def test_rasa_deep_copies_only_for_debug_lines_in_the_modules_changed(self) -> None:
        for module in debug_copies.MODULES:
            self.assertEqual(_deepcopy_calls_outside_debug_lines(module), [], module)

    def test_the_check_itself_finds_a_deepcopy_used_for_anything_else(self) -> None:
        self.assertNotEqual(_deepcopy_calls_outside_debug_lines("rasa.shared.core.domain"), [])

    def test_at_info_the_value_is_handed_back_and_at_debug_it_is_copied(self) -> None:
        value = {"events": [{"event": "user", "text": "hi"}]}
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
        self.assertIs(debug_copies.deepcopy_for_debug_log(value), value)
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
        copied = debug_copies.deepcopy_for_debug_log(value)
        self.assertEqual(copied, value)
        self.assertIsNot(copied["events"][0], value["events"][0])

    def test_after_apply_the_modules_see_it_and_everything_else_of_copy(self) -> None:
        patches.apply()
        for name in debug_copies.MODULES:
            module = importlib.import_module(name)
            self.assertIs(module.copy.deepcopy, debug_copies.deepcopy_for_debug_log)
            self.assertIs(module.copy.copy, copy.copy)


if __name__ == "__main__":
    unittest.main()
