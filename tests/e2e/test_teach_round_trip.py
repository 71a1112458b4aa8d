"""Staff teach the bot a message it missed, and the next model understands it (issue 16).

The whole loop with the real pieces: the model `make test` trained does not understand the
message; the gateway's usage writer records it as "not understood"; an editor logs in to the
admin over HTTP and assigns it to a topic; `train_model` (what `python -m bot train` runs)
generates the training data from the taught file and trains the real pipeline (config.yml) into
a temporary model directory, from a copy of the training files so the checkout's generated files
stay as they are; the new model, loaded with Rasa's Agent, understands the message as that topic.

It trains a whole model: about 3 minutes on the 2-core machine (docs/performance.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.cli.model import train_model
from bot.db import migrate
from bot.db.models import StaffRole, UsageKind
from bot.db.session import get_engine
from bot.privacy.redact import scrub_for_report
from bot.settings import ROOT, Settings, get_settings
from bot.stack import ENGINE_PYTHON, current_model
from bot.staff.accounts import create_staff
from bot.staff.web import mount_staff
from bot.usage.events import Usage, write_usage
from tests.integration.admin.conftest import PASSWORD, log_in, post_form

# Polish, as residents write it ("I need help with the computer", "I'm looking for a computer
# course"): no word the training data knows, so "not understood" today. One is taught as an
# intent, the other as a topic, so one training shows both kinds of target.
TAUGHT = {
    "potrzebuję pomocy z komputerem": ("intent:find_help", "find_help"),
    "szukam kursu obsługi komputera": ("topic:learn_online", "faq/learn_online"),
}
PARSE = Path(__file__).resolve().parent / "parse_with_model.py"
TRAINING_FILES = ("config.yml", "domain", "data", "nlu")


def parse(model: Path, *texts: str) -> dict[str, str]:
    """What the model understands each text as, through the engine's own Python and Agent."""
    result = subprocess.run(
        [str(ENGINE_PYTHON), str(PARSE), str(model), *texts],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        check=True,
    )
    return {item["text"]: item["intent"] for item in json.loads(result.stdout.strip().splitlines()[-1])}


def training_copy(target: Path) -> Path:
    """The repository's training files in a folder of their own (build/ linked, not copied)."""
    target.mkdir()
    for name in TRAINING_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    (target / "build").symlink_to(ROOT / "build")
    return target


@pytest.fixture
def settings(sqlite_url: str, tmp_path: Path) -> Settings:
    """One database (SQLite: the training, not the database, is what this test is about)."""
    migrate.upgrade(sqlite_url)
    models = tmp_path / "models"
    models.mkdir()
    return Settings(
        database_url=sqlite_url,
        session_secret="test-session-secret",
        pseudonym_secret="test-pseudonym-secret",
        redis_url=None,
        model_dir=models,
        taught_file_path=tmp_path / "taught.yml",
    )


def test_messages_taught_in_the_admin_are_understood_by_the_next_model(
    settings: Settings, tmp_path: Path
) -> None:
    model_now = current_model(get_settings().model_dir)
    assert set(parse(model_now, *TAUGHT).values()) == {"nlu_fallback"}

    # The gateway records them as it records every message it did not understand.
    with Session(get_engine(settings.database_url)) as session:
        write_usage(
            session,
            [
                Usage.of(
                    UsageKind.NOT_UNDERSTOOD, "web", f"resident-{n}", scrub_for_report(text), date.today()
                )
                for n, text in enumerate(TAUGHT)
            ],
        )
        create_staff(session, "editor@leeds.gov.uk", PASSWORD, StaffRole.EDITOR)
        session.commit()

    app = Starlette()
    mount_staff(app, settings, upload_dir=tmp_path / "uploads")
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as editor:
        assert log_in(editor, "editor@leeds.gov.uk").status_code == 303
        for text, (target, _) in TAUGHT.items():
            assert text in editor.get("/admin/teach").text
            assigned = post_form(
                editor, "/admin/teach", "/admin/teach/assign", {"text": text, "target": target}
            )
            assert assigned.status_code == 303, assigned.text[:500]
    taught = yaml.safe_load(settings.taught_file.read_text())["messages"]
    assert {m["text"] for m in taught} == set(TAUGHT)
    assert {m["assigned_by"] for m in taught} == {"editor@leeds.gov.uk"}

    root = training_copy(tmp_path / "training")
    model_next = train_model(settings, root)
    assert model_next.parent == settings.model_dir and model_next.name != model_now.name

    understood = parse(model_next, *TAUGHT, "hello")
    assert understood == {**{text: intent for text, (_, intent) in TAUGHT.items()}, "hello": "greet"}
