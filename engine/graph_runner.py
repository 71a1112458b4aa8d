"""Rasa's prediction graph, run in plain order instead of through dask.

Rasa runs the model's graph (the NLU pipeline for each message, the policies for each action
it predicts, three or four times a turn) with `dask.get`, which builds a task graph, orders
it and schedules it each time. The graph is small and runs on one thread, so that machinery
was about a tenth of the engine's busy time (py-spy, bench/load.py). Here each node is
computed once, after the nodes it needs, depth first: the same calls with the same
arguments, the same results and the same errors (GraphRunError for a RuntimeError, as the
dask runner raises).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

from engine import no_tensorflow


def _needed(schema: GraphSchema, targets: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each node the targets depend on, with the names of its inputs."""
    minimal = schema.minimal_graph_schema(list(targets))
    return {name: tuple(node.needs.values()) for name, node in minimal.nodes.items()}


def run_in_order(
    self: DaskGraphRunner, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
) -> dict[str, Any]:
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    cache: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = self.__dict__.setdefault("_needed", {})
    needs = cache.get(run_targets)
    if needs is None:
        needs = cache[run_targets] = _needed(self._graph_schema, run_targets)
    # Inputs are (name, value) pairs, as the dask runner hands them to the nodes.
    done: dict[str, Any] = {name: (name, value) for name, value in (inputs or {}).items()}

    def value(name: str) -> Any:
        if name not in done:
            node = self._instantiated_nodes[name]
            done[name] = node(*(value(need) for need in needs[name]))
        return done[name]

    try:
        return dict(value(target) for target in run_targets)
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error


def refusing_models_needing_tensorflow(original: Callable[..., None]) -> Callable[..., None]:
    """Before the model's nodes load: stop if one of them needs the TensorFlow that the engine
    started by `python -m engine` does not load (engine/no_tensorflow.py). Rasa logs the
    refusal ("Could not load model due to ...") and serves no model. Without the placeholders
    (`rasa run`, `rasa train`) it checks nothing."""

    @functools.wraps(original)
    def __init__(self: DaskGraphRunner, graph_schema: GraphSchema, *args: Any, **kwargs: Any) -> None:
        no_tensorflow.refuse_models_needing_it(node.uses for node in graph_schema.nodes.values())
        original(self, graph_schema, *args, **kwargs)

    return __init__
