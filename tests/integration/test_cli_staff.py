"""`add-staff` and `staff-password`, as an admin runs them to make accounts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

import bot.cli.staff  # noqa: F401
from bot.cli import cli
from bot.db.models import StaffRole, StaffUser
from bot.db.session import get_engine
from bot.settings import ROOT, get_settings
from bot.staff.accounts import authenticate

PASSWORD = "correct horse battery staple"


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, app_settings: None) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    return database_url


def accounts(url: str) -> list[StaffUser]:
    with Session(get_engine(url)) as session:
        return list(session.scalars(select(StaffUser)))


def test_add_staff_reads_the_password_from_stdin_and_hashes_it(env: str) -> None:
    result = CliRunner().invoke(
        cli, ["add-staff", "Jo@Leeds.gov.uk", "--role", "admin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created admin account jo@leeds.gov.uk." in result.output
    (user,) = accounts(env)
    assert user.role is StaffRole.ADMIN and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in result.output


def test_add_staff_refuses_a_weak_password_or_a_second_account(env: str) -> None:
    weak = CliRunner().invoke(cli, ["add-staff", "a@leeds.gov.uk"], input="short\n")
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    assert accounts(env) == []
    assert CliRunner().invoke(cli, ["add-staff", "a@leeds.gov.uk"], input=PASSWORD + "\n").exit_code == 0
    again = CliRunner().invoke(cli, ["add-staff", "a@leeds.gov.uk"], input=PASSWORD + "\n")
    assert again.exit_code != 0 and "already an account" in again.output
    assert [user.role for user in accounts(env)] == [StaffRole.EDITOR]


def test_staff_password_sets_a_new_one(env: str) -> None:
    CliRunner().invoke(cli, ["add-staff", "a@leeds.gov.uk"], input=PASSWORD + "\n")
    result = CliRunner().invoke(cli, ["staff-password", "a@leeds.gov.uk"], input="a whole new passphrase\n")
    assert result.exit_code == 0, result.output
    with Session(get_engine(env)) as session:
        assert authenticate(session, "a@leeds.gov.uk", "a whole new passphrase") is not None
    missing = CliRunner().invoke(cli, ["staff-password", "nobody@leeds.gov.uk"], input=PASSWORD + "\n")
    assert missing.exit_code != 0 and "no account" in missing.output


def test_the_command_works_as_a_deploy_script_runs_it(sqlite_url: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "add-staff", "first@leeds.gov.uk", "--role", "admin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": sqlite_url, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert [user.email for user in accounts(sqlite_url)] == ["first@leeds.gov.uk"]
