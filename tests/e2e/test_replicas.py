"""Two engine replicas behind one gateway, sharing PostgreSQL (conversations) and Redis (locks).

The gateway spreads turns round the replicas, so a conversation's turns alternate between
them; it keeps its state because neither replica holds any. With one replica stopped the
other takes every turn, and the conversation still carries on.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from bot.db.models import ConfidenceResult
from bot.stack import Stack
from tests.conftest import POSTGRES_URL, _require_services, postgres_database
from tests.e2e.conftest import Resident, running_stack, setup_database
from tests.e2e.test_confidence import answer_all, asked, start

REDIS_DB_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    import redis

    try:
        redis.Redis.from_url(REDIS_DB_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        (pytest.fail if _require_services() else pytest.skip)(f"Redis is needed: {error}")
    server = POSTGRES_URL.rsplit("/", 1)[0]
    with postgres_database("getonline_replicas") as name:
        env = {
            "DATABASE_URL": f"{server}/{name}",
            # The engine's own driver (psycopg2, SQLAlchemy 1.4), in the same database.
            "TRACKER_STORE_URL": f"{server.replace('postgresql+psycopg', 'postgresql')}/{name}",
            "REDIS_URL": REDIS_DB_URL,
            "PSEUDONYM_SECRET": "replica-secret",
            "POSTCODE_AREAS": "LS",
        }
        setup_database(env)
        with running_stack(env, tmp_path_factory.mktemp("replica-logs"), engines=2) as stack:
            yield stack


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
