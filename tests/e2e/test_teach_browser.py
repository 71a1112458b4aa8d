"""Teach the bot in real Chromium, on the running stack (issue 16): a resident's message the bot
does not understand appears on the editor's "Teach the bot" page; the editor assigns it to a
topic, sees who assigned it and when, and undoes it. The page is checked with axe-core. (The
training that follows is tests/e2e/test_teach_round_trip.py.)
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, delete, select
from sqlalchemy.engine import Engine

from bot.db.models import TaughtMessage, UsageEvent, UsageKind
from bot.privacy.redact import scrub_for_report
from tests.e2e.browser import axe_violations
from tests.e2e.conftest import Resident, add_staff_account
from tests.e2e.test_telegram import wait_for_row

with contextlib.suppress(ImportError):  # reported by the `browser` fixture: it fails, never skips
    from playwright.sync_api import Browser, expect

EMAIL = "e2e-teacher@leeds.gov.uk"
PASSWORD = "a long e2e teaching passphrase"
# Polish ("I'm looking for a computer course"): no word the bot knows, so not understood.
MESSAGE = "szukam kursu obsługi komputera"
TOPIC = "Learning online for free"


@pytest.fixture(scope="module")
def database(e2e_env: dict[str, str]) -> Iterator[Engine]:
    engine = create_engine(e2e_env["DATABASE_URL"])
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def editor_account(e2e_env: dict[str, str]) -> str:
    return add_staff_account(e2e_env, EMAIL, PASSWORD, "editor")


def test_an_editor_assigns_a_missed_message_to_a_topic_and_undoes_it(
    browser: Browser,
    gateway_url: str,
    editor_account: str,
    database: Engine,
    e2e_env: dict[str, str],
    axe_source: str,
) -> None:
    replies = Resident(gateway_url, f"teach-{uuid.uuid4().hex[:8]}").say(MESSAGE)
    assert "didn't understand" in Resident.text(replies)
    detail = scrub_for_report(MESSAGE)
    recorded = select(UsageEvent).where(
        UsageEvent.kind == UsageKind.NOT_UNDERSTOOD, UsageEvent.detail == detail
    )
    assert wait_for_row(recorded, e2e_env["DATABASE_URL"]) is not None  # the gateway writes each second

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(gateway_url.rstrip("/") + "/admin/")
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("navigation", name="Staff pages").get_by_role("link", name="Teach the bot").click()
        row = page.locator("section[aria-labelledby=missed] tr").filter(has_text=detail)
        expect(row).to_have_count(1)
        assert axe_violations(page, axe_source) == []

        row.get_by_label(f'What "{detail}" means').select_option(label=TOPIC)
        row.get_by_role("button", name="Assign").click()
        expect(page.get_by_role("status")).to_contain_text(f"'{detail}' is now {TOPIC}")
        taught = page.locator("section[aria-labelledby=taught] tr").filter(has_text=detail)
        expect(taught).to_contain_text(EMAIL)
        expect(page.locator("section[aria-labelledby=missed] tr").filter(has_text=detail)).to_have_count(0)
        assert axe_violations(page, axe_source) == []
        [entry] = yaml.safe_load(Path(e2e_env["TAUGHT_FILE_PATH"]).read_text())["messages"]
        assert (entry["text"], entry["topic"], entry["assigned_by"]) == (detail, "learn_online", EMAIL)

        taught.get_by_role("button", name="Undo").click()
        expect(page.get_by_role("status")).to_contain_text("back in the list")
        expect(page.locator("section[aria-labelledby=missed] tr").filter(has_text=detail)).to_have_count(1)
        assert yaml.safe_load(Path(e2e_env["TAUGHT_FILE_PATH"]).read_text())["messages"] == []
    finally:
        context.close()
        with database.begin() as connection:
            connection.execute(delete(TaughtMessage).where(TaughtMessage.assigned_by == EMAIL))
