"""Shared database fixtures: a fresh, migrated database per test, on SQLite and on PostgreSQL.

`database_url` is parametrised over both. PostgreSQL tests get their own schema (dropped
afterwards), so concurrent runs never collide; they are skipped when PostgreSQL is not
reachable, unless REQUIRE_SERVICES=1 (which `make test` sets), when they fail instead.
TEST_POSTGRES_URL overrides the server (default: postgres@127.0.0.1:5432/test, trust auth).

`factory` makes rows with sensible defaults (override only what a test is about), and
`codepoint_dir` writes a small Code-Point Open file of real LS postcodes, so no test has to
load a whole area.
"""

from __future__ import annotations

import csv
import gzip
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.db import migrate
from bot.db.models import (
    HelpSession,
    Network,
    OutcodeCentroid,
    PostcodeArea,
    PostcodePoint,
    Recurrence,
    Venue,
)
from bot.db.session import dispose_engines, get_engine
from bot.settings import get_settings

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# Real rows of Code-Point Open (postcode, quality, easting, northing), and one without a position.
CODEPOINT_LS = (
    ("LS1 1AZ", 10, 428811, 433420),
    ("LS1 3AB", 10, 429824, 433862),
    ("LS2 7UP", 10, 430765, 433632),
    ("LS6 3HG", 10, 427839, 436159),
    ("LS7 3EX", 10, 430929, 435812),
    ("LS9 7BG", 10, 432364, 434907),
    ("LS11 6PF", 10, 430042, 431493),
    ("LS12 1UQ", 10, 427222, 433503),
    ("LS21 1EZ", 10, 420377, 445495),
    ("LS22 6NL", 10, 440242, 448373),
    ("LS27 8HZ", 10, 426391, 427879),
    ("LS1 9XX", 90, 0, 0),
)
# Where those postcodes are (from convertbng), for tests that need the numbers.
LS1_1AZ = (53.796312, -1.5641)
LS1_3AB = (53.800227, -1.548679)


def _require_services() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


@cache
def _postgres_problem() -> str | None:
    """None when PostgreSQL answers, else why not (checked once per run)."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        return str(error).splitlines()[0]
    finally:
        engine.dispose()
    return None


@contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL schema, dropped on exit."""
    problem = _postgres_problem()
    if problem is not None:
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {problem}"
        if _require_services():
            pytest.fail(message)
        pytest.skip(message)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """The name of a new, empty PostgreSQL database (for a whole stack), dropped on exit."""
    problem = _postgres_problem()
    if problem is not None:
        (pytest.fail if _require_services() else pytest.skip)(f"PostgreSQL is needed: {problem}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need PostgreSQL or Redis, so `make unit` can leave them to `make test`."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables yet) on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        yield url
        dispose_engines()
        migrate.forget(url)
    else:
        with postgres_schema() as url:
            yield url
            migrate.forget(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """An empty SQLite database, for tests about SQLite itself."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    yield url
    dispose_engines()
    migrate.forget(url)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per run: each test gets a copy, not its own migration
    (a third of the unit tests' time went to running the migrations on SQLite)."""
    path = tmp_path_factory.mktemp("migrated") / "head.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    dispose_engines()  # the last connection closed folds the WAL into the file
    migrate.forget(url)
    return path


@pytest.fixture
def migrated_url(database_url: str, request: pytest.FixtureRequest) -> str:
    if database_url.startswith("sqlite:///"):
        target = Path(database_url.removeprefix("sqlite:///"))
        if not target.exists():
            shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), target)
    migrate.upgrade(database_url)
    return database_url


@pytest.fixture
def db_session(migrated_url: str) -> Iterator[Session]:
    """A session on a fresh, migrated database; tests commit or flush as they need."""
    with Session(get_engine(migrated_url), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Clear the cached settings before and after a test that sets environment variables."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def write_codepoint(directory: Path, area: str, rows: tuple[tuple[str, int, int, int], ...]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{area.lower()}.csv.gz"
    with gzip.open(path, "wt", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture
def codepoint_dir(tmp_path: Path) -> Path:
    """A Code-Point Open directory holding only the LS rows above."""
    directory = tmp_path / "codepoint"
    write_codepoint(directory, "LS", CODEPOINT_LS)
    return directory


@dataclass
class Factory:
    """Rows with defaults: override only what the test is about."""

    session: Session
    count: int = 0

    def venue(self, latitude: float = LS1_3AB[0], longitude: float = LS1_3AB[1], **fields: object) -> Venue:
        self.count += 1
        values: dict[str, object] = {
            "name": f"Venue {self.count}",
            "address": f"{self.count} Test Street, Leeds",
            "postcode": None,
            "latitude": latitude,
            "longitude": longitude,
        }
        values.update(fields)
        venue = Venue(**values)
        self.session.add(venue)
        self.session.flush()
        return venue

    def help_session(self, venue: Venue, **fields: object) -> HelpSession:
        values: dict[str, object] = {
            "title": "Get online drop-in",
            "network": Network.GENERAL,
            "recurrence": Recurrence.WEEKLY,
            "weekday": 0,
            "start_time": time(10, 0),
            "end_time": time(12, 0),
        }
        values.update(fields)
        row = HelpSession(venue=venue, **values)
        self.session.add(row)
        self.session.flush()
        return row

    def postcode(self, postcode: str, latitude: float | None, longitude: float | None) -> PostcodePoint:
        outcode, _ = postcode.split()
        area = "".join(c for c in outcode if c.isalpha())[:2]
        row = PostcodePoint(
            postcode=postcode,
            outcode=outcode,
            area=area,
            latitude=latitude,
            longitude=longitude,
            source="test",
        )
        self.session.add(row)
        self.session.flush()
        return row

    def outcode(self, outcode: str, latitude: float, longitude: float) -> OutcodeCentroid:
        area = "".join(c for c in outcode if c.isalpha())[:2]
        row = OutcodeCentroid(outcode=outcode, area=area, latitude=latitude, longitude=longitude, postcodes=1)
        self.session.add(row)
        if self.session.get(PostcodeArea, area) is None:
            self.session.add(PostcodeArea(area=area, postcodes=1, loaded_at=datetime.now(UTC)))
        self.session.flush()
        return row


@pytest.fixture
def factory(db_session: Session) -> Factory:
    return Factory(db_session)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@cache
def _redis_problem() -> str | None:
    """None when Redis answers, else why not (checked once per run)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        return str(error)
    finally:
        client.close()
    return None


@pytest.fixture
def redis_url() -> str:
    """The test Redis (database 15); fails instead of skipping when REQUIRE_SERVICES=1."""
    problem = _redis_problem()
    if problem is not None:
        message = f"Redis is not reachable at {REDIS_URL}: {problem}"
        if _require_services():
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its production cost takes half a second a hash on this machine: tests that
    log in hundreds of times use the same algorithm with the smallest cost it allows."""
    from argon2 import PasswordHasher

    import bot.staff.accounts as accounts

    quick = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", quick)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", quick.hash("not a real password, only for timing"))
