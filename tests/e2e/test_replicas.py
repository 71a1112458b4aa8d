"""Two engine replicas behind one gateway, sharing PostgreSQL (conversations) and Redis (locks).

The gateway spreads turns round the replicas, so a conversation's turns alternate between
them; it keeps its state because neither replica holds any. With one replica stopped the
other takes every turn, and the conversation still carries on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.db.models import ConfidenceResult
from bot.settings import ROOT, get_settings
from bot.stack import Ports, Stack, current_model
from tests.conftest import POSTGRES_URL, _postgres_problem, _require_services
from tests.e2e.conftest import Resident, free_port
from tests.e2e.test_confidence import answer_all, asked, start

REDIS_DB_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="module")
def replica_database() -> Iterator[str]:
    """A new PostgreSQL database for this module (the tracker store makes its tables in it)."""
    problem = _postgres_problem()
    if problem is not None:
        (pytest.fail if _require_services() else pytest.skip)(f"PostgreSQL is needed: {problem}")
    name = f"getonline_replicas_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def replicas(replica_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    import redis

    try:
        redis.Redis.from_url(REDIS_DB_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        (pytest.fail if _require_services() else pytest.skip)(f"Redis is needed: {error}")
    server = POSTGRES_URL.rsplit("/", 1)[0]
    env = {
        "DATABASE_URL": f"{server}/{replica_database}",
        # The engine's own driver (psycopg2, SQLAlchemy 1.4), in the same database.
        "TRACKER_STORE_URL": f"{server.replace('postgresql+psycopg', 'postgresql')}/{replica_database}",
        "REDIS_URL": REDIS_DB_URL,
        "PSEUDONYM_SECRET": "replica-secret",
        "POSTCODE_AREAS": "LS",
    }
    subprocess.run([sys.executable, "-m", "bot", "setup-db"], cwd=ROOT, env={**os.environ, **env}, check=True)
    stack = Stack(
        model=current_model(get_settings().model_dir),
        ports=Ports(
            engine=free_port(), more_engines=(free_port(),), actions=free_port(), gateway=free_port()
        ),
        env=env,
        log_dir=tmp_path_factory.mktemp("replica-logs"),
    )
    stack.start()
    try:
        stack.wait_until_healthy()
        yield stack
    finally:
        stack.stop()


def _results(stack: Stack) -> int:
    engine = create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(ConfidenceResult)) or 0)
    finally:
        engine.dispose()


def test_many_residents_at_once_on_two_replicas(replicas: Stack) -> None:
    """Concurrent turns of many conversations: the Redis lock keeps each conversation in order."""

    def one_check(index: int) -> str:
        resident = Resident(replicas.ports.gateway_url, f"web-many-{index}-{uuid.uuid4().hex}")
        start(resident)
        return resident.text(answer_all(resident, ["2"] * 8))

    before = _results(replicas)
    with ThreadPoolExecutor(max_workers=6) as pool:
        finished = list(pool.map(one_check, range(6)))
    assert all("Your result:" in text for text in finished)
    assert _results(replicas) == before + 6


def test_turns_alternate_between_replicas_and_the_conversation_keeps_its_state(replicas: Stack) -> None:
    resident = Resident(replicas.ports.gateway_url, f"web-{uuid.uuid4().hex}")
    start(resident)  # turn 1 on one replica...
    answer_all(resident, ["1", "2", "3"])  # ...then the other, and so on: the form is shared
    before = _results(replicas)
    replicas.stop_process("engine")  # a replica is lost: the other one takes every turn
    resumed = resident.say("4")
    assert asked(resumed, 5), resident.text(resumed)
    text = resident.text(answer_all(resident, ["1", "2", "3", "4"], first=5))
    assert "Your result:" in text
    assert _results(replicas) == before + 1


def test_logs_of_both_replicas_show_no_raw_ids(replicas: Stack) -> None:
    assert replicas.log_dir is not None
    logs = "".join(path.read_text(errors="replace") for path in Path(replicas.log_dir).glob("*.log"))
    assert "web-many-" not in logs and "Traceback" not in logs
