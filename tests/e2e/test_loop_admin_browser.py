"""The bookings register in real Chromium: a champion marks attendance; staff cancel a date and
the resident with a reminder is told (the notice arrives on the fake Telegram Bot API)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Booking, HelpSession, MessageStatus, OutboundMessage, Recurrence
from bot.db.session import session_scope
from bot.loop.booking import book
from bot.loop.conversation import reference_of
from bot.outbound import ContactCipher, QuietHours, save_contact, schedule_message
from bot.settings import get_settings
from bot.stack import Stack
from bot.venues.schedule import next_occurrence, rule_of
from tests.e2e.browser import axe_violations
from tests.e2e.conftest import add_staff_account
from tests.e2e.telegram_fixtures import TOKEN
from tests.e2e.test_loop import send_due
from tests.fakes.telegram_api import FakeBotApi, TelegramUser

with contextlib.suppress(ImportError):  # reported by the `browser` fixture: a missing package fails
    from playwright.sync_api import Browser, Page, expect

EMAIL = "e2e-champion@leeds.gov.uk"
PASSWORD = "another long e2e test passphrase"
TOLD = 9_123_456_789  # the Telegram chat of the resident with a reminder


@pytest.fixture(scope="module")
def staff_account(e2e_env: dict[str, str]) -> str:
    return add_staff_account(e2e_env, EMAIL, PASSWORD, "editor")


@pytest.fixture(scope="module")
def fake_telegram() -> Iterator[FakeBotApi]:
    fake = FakeBotApi(TOKEN).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def booked(e2e_env: dict[str, str]) -> tuple[str, str, str]:
    """Two residents booked for the next date of a sample weekly session; one has a Telegram reminder."""
    url = e2e_env["DATABASE_URL"]
    now = datetime.now(UTC)
    cipher = ContactCipher(get_settings().outbound_key_list)
    with session_scope(url) as session:
        help_session = session.scalars(
            select(HelpSession)
            .where(HelpSession.recurrence == Recurrence.WEEKLY, HelpSession.active.is_(True))
            .order_by(HelpSession.id)
        ).first()
        assert help_session is not None
        when = next_occurrence(rule_of(help_session), now + timedelta(days=2))
        assert when is not None
        told = book(
            session,
            session_id=help_session.id,
            starts_at=when.starts_at,
            conversation_id="e2e-admin-told",
            channel="telegram",
        )
        other = book(
            session,
            session_id=help_session.id,
            starts_at=when.starts_at,
            conversation_id="e2e-admin-other",
            channel="web",
        )
        save_contact(
            session,
            cipher,
            conversation_id="e2e-admin-told",
            channel="telegram",
            address=str(TOLD),
            consent="reminders",
            now=now,
        )
        schedule_message(
            session,
            conversation_id="e2e-admin-told",
            kind="reminder",
            due_at=when.starts_at - timedelta(days=1),
            content={"template": "reminder", "params": {}},
            reference=reference_of(told, told.occurrence),
            quiet=QuietHours(),
        )
        return help_session.title, told.reference, other.reference


def log_in(page: Page, gateway_url: str) -> None:
    page.goto(gateway_url.rstrip("/") + "/admin/")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you want to do?")


def test_mark_attendance_then_cancel_the_date_and_the_resident_is_told(
    browser: Browser,
    gateway_url: str,
    staff_account: str,
    booked: tuple[str, str, str],
    e2e_env: dict[str, str],
    stack: Stack,
    fake_telegram: FakeBotApi,
    axe_source: str,
) -> None:
    title, told, other = booked
    url = e2e_env["DATABASE_URL"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, gateway_url)
        page.get_by_role("link", name="Bookings and attendance").click()
        expect(page.get_by_role("cell", name=told, exact=True)).to_be_visible()
        assert "e2e-admin-told" not in page.content() and str(TOLD) not in page.content()
        assert axe_violations(page, axe_source) == []

        page.get_by_role("row", name=other).get_by_role("button", name="Attended").click()
        expect(page.get_by_role("status")).to_have_text(f"{other} marked attended.")
        with session_scope(url) as session:
            assert (
                session.scalars(select(Booking.status).where(Booking.reference == other)).one() == "attended"
            )

        section = page.locator("section", has=page.get_by_role("cell", name=told, exact=True))
        section.get_by_role("button", name="Cancel this date and tell residents").click()
        expect(page.get_by_role("status")).to_have_text("Cancelled. 1 resident will be told.")
    finally:
        context.close()

    with session_scope(url) as session:
        kinds = dict(
            session.execute(
                select(OutboundMessage.kind, OutboundMessage.status).where(
                    OutboundMessage.conversation_id == "e2e-admin-told"
                )
            ).all()
        )
    assert kinds == {
        "reminder": MessageStatus.CANCELLED.value,
        "session_changed": MessageStatus.PENDING.value,
    }
    env = {
        **e2e_env,
        "ENGINE_URL": stack.ports.engine_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake_telegram.base_url,
    }
    mark = fake_telegram.mark()
    send_due(env, datetime.now(UTC).replace(hour=12) + timedelta(days=1))
    user = TelegramUser(TOLD)
    calls = fake_telegram.wait_until(
        lambda calls: any(
            c.chat_id == user.id and "is cancelled" in c.text for c in calls if c.method == "sendMessage"
        ),
        mark,
    )
    notice = next(c.text for c in calls if c.chat_id == user.id and c.method == "sendMessage")
    assert notice.startswith(f"Sorry, {title}")
