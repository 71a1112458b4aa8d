"""engine/graph_runner.py, once applied: a small graph runs in dependency order, as dask ran it."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path
from typing import Any, ClassVar

from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from engine import patches
from tests.engine.support import start_from_rasa_as_shipped


class Step(GraphComponent):
    """A node that adds its `value` to what it is given, and notes that it ran."""

    ran: ClassVar[list[str]] = []

    def __init__(self, config: dict[str, Any], name: str) -> None:
        self._config, self._name = config, name

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Step:
        return cls(config, resource.name)

    def compute(self, **inputs: int) -> int:
        Step.ran.append(self._name)
        if self._config.get("fail"):
            raise RuntimeError("this node fails")
        return int(self._config["value"]) + sum(inputs.values())


def node(value: int, fail: bool = False, target: bool = False, **needs: str) -> SchemaNode:
    config = {"value": value, "fail": fail}
    return SchemaNode(needs, Step, "create", "compute", config, eager=True, is_target=target)


SCHEMA = GraphSchema(
    {
        "load": node(1),
        "double": node(10, a="load"),
        "add": node(100, target=True, a="double", b="load"),
        "message": node(0),  # replaced by an input
        "with_input": node(1000, target=True, a="message", b="add"),
        "unused": node(5),
        "broken": node(0, fail=True, a="load"),
    }
)


class GraphRunnerTest(unittest.TestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)
        self.dask_run = DaskGraphRunner.run
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        storage = LocalModelStorage(Path(directory.name))
        self.runner = DaskGraphRunner(SCHEMA, storage, ExecutionContext(SCHEMA, "test"))
        Step.ran = []

    def test_each_needed_node_runs_once_after_what_it_needs(self) -> None:
        patches.apply()
        result = self.runner.run(targets=["add"])
        self.assertEqual(result, {"add": 100 + 11 + 1})
        self.assertEqual(Step.ran, ["load", "double", "add"])

    def test_the_same_results_as_dask(self) -> None:
        targets = ["add", "with_input"]
        expected = self.dask_run(self.runner, inputs={"message": 7}, targets=targets)
        patches.apply()
        self.assertEqual(self.runner.run(inputs={"message": 7}, targets=targets), expected)
        self.assertEqual(expected["with_input"], 1000 + 7 + 112)

    def test_the_same_error_as_dask(self) -> None:
        with self.assertRaises(Exception) as dask_error:
            self.dask_run(self.runner, targets=["broken"])
        patches.apply()
        with self.assertRaises(Exception) as our_error:
            self.runner.run(targets=["broken"])
        self.assertIs(type(our_error.exception), type(dask_error.exception))

    def test_the_schemas_targets_by_default(self) -> None:
        expected = self.dask_run(self.runner, inputs={"message": 0})
        patches.apply()
        Step.ran = []
        self.assertEqual(self.runner.run(inputs={"message": 0}), expected)
        self.assertEqual(set(expected), {"add", "with_input"})
        self.assertEqual(Step.ran, ["load", "double", "add", "with_input"])


if __name__ == "__main__":
    unittest.main()
