"""`python -m actions`: the server starts on uvloop, and not at all on a database it cannot use."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import uvloop

from actions import __main__ as actions_main


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """What rasa-sdk's start was given, and the loop its server would have made."""
    calls: list[Any] = []

    def start(args: Any) -> None:
        loop = asyncio.new_event_loop()  # as Sanic's serve() makes it
        calls.append((args.actions, type(loop)))
        loop.close()

    monkeypatch.setattr(actions_main, "main_from_args", start)
    policy = asyncio.get_event_loop_policy()
    yield calls
    asyncio.set_event_loop_policy(policy)


def test_the_server_runs_on_uvloop(started: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions_main, "schema_problem", lambda url: None)
    assert actions_main.main(["--port", "5999"]) == 0
    assert started == [("actions", uvloop.Loop)]


def test_no_start_on_a_database_without_the_schema(
    started: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions_main, "schema_problem", lambda url: "No tables.")
    assert actions_main.main([]) == 1
    assert started == []
