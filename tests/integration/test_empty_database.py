"""A bot pointed at a database that was never set up: it sets it up or says why not, and never
reports itself healthy while the schema is missing (issue 16, the fifth failure).

Before the fix, `python -m bot run` on an empty SQLite file started, /health said 200, and every
turn that touched a table got the apology ("no such table: postcodes").
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bot.db import migrate
from bot.db.models import PostcodePoint
from bot.db.session import get_engine
from bot.gateway.app import create_app
from bot.settings import ROOT, Settings


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def empty_sqlite(tmp_path: Path) -> str:
    """An empty SQLite file, as `touch var/getonline.db` or a fresh volume leaves it."""
    path = tmp_path / "never-set-up.db"
    path.touch()
    url = f"sqlite:///{path}"
    migrate.forget(url)
    return url


def command(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_health_is_503_until_the_schema_is_at_head(empty_sqlite: str) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    settings = Settings(
        engine_url=dead, action_server_url=dead, database_url=empty_sqlite, pseudonym_secret="test"
    )
    with TestClient(create_app(settings)) as client:
        before = client.get("/health")
        assert before.status_code == 503
        assert before.json()["checks"]["database"] is True  # it answers a ping...
        assert before.json()["checks"]["schema"] is False  # ...but has no tables
        assert migrate.schema_problem(empty_sqlite) is not None
        migrate.upgrade(empty_sqlite)
        after = client.get("/health")
        assert after.json()["checks"]["schema"] is True
        assert migrate.schema_problem(empty_sqlite) is None


def test_a_schema_behind_the_code_is_named(empty_sqlite: str) -> None:
    config = migrate.alembic_config()
    with get_engine(empty_sqlite).begin() as connection:
        config.attributes["connection"] = connection
        from alembic import command as alembic

        alembic.upgrade(config, "0001")
    problem = migrate.schema_problem(empty_sqlite)
    assert problem is not None and "0001" in problem and str(migrate.head_revision()) in problem


def test_run_sets_up_an_empty_database_before_anything_starts(
    empty_sqlite: str, codepoint_dir: Path, tmp_path: Path
) -> None:
    no_models = tmp_path / "models"
    no_models.mkdir()
    env = {
        "DATABASE_URL": empty_sqlite,
        "CODEPOINT_DIR": str(codepoint_dir),
        "POSTCODE_AREAS": "LS",
        "MODEL_DIR": str(no_models),
    }
    result = command(["-m", "bot", "run"], env)
    # Without a model it stops (one line); by then the database is ready for the next `run`.
    assert result.returncode == 1
    assert "Loaded 12 postcodes" in result.stderr
    assert migrate.schema_problem(empty_sqlite) is None
    with Session(get_engine(empty_sqlite)) as session:
        assert session.scalar(select(func.count()).select_from(PostcodePoint)) == 12


def test_run_refuses_in_one_line_when_it_cannot_set_up_the_database(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    result = command(["-m", "bot", "run"], {"DATABASE_URL": f"sqlite:///{blocked}/bot.db"})
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "DATABASE_URL" in line
    assert "Starting the engine" not in result.stdout


def test_the_action_server_will_not_start_on_a_database_never_set_up(empty_sqlite: str) -> None:
    result = command(["-m", "actions", "--port", str(closed_port())], {"DATABASE_URL": empty_sqlite})
    assert result.returncode == 1
    assert "never been set up" in result.stderr and "setup-db" in result.stderr
