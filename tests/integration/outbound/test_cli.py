"""`python -m bot messages` and `messages send-due --now ...`, with the real senders and fakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

import bot.cli.messages  # noqa: F401
from bot.cli import cli
from bot.db import migrate
from bot.db.session import get_engine
from bot.outbound import ContactCipher, QuietHours, save_contact, schedule_message
from bot.settings import get_settings
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.integration.outbound.conftest import PARAMS, TOKEN


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_pending_counts_then_send_due_at_a_given_time(
    database_url: str,
    bot_api: FakeBotApi,
    twilio_api: FakeTwilioApi,
    monkeypatch: pytest.MonkeyPatch,
    app_settings: None,
) -> None:
    key = Fernet.generate_key().decode()
    for name, value in {
        "DATABASE_URL": database_url,
        "OUTBOUND_KEYS": key,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": bot_api.base_url,
        "TWILIO_ACCOUNT_SID": twilio_api.account_sid,
        "TWILIO_AUTH_TOKEN": twilio_api.auth_token,
        "TWILIO_FROM_NUMBER": "+447700900000",
        "TWILIO_API_BASE_URL": twilio_api.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    migrate.upgrade(database_url)
    cipher = ContactCipher([key])
    with Session(get_engine(database_url)) as session, session.begin():
        for conversation, channel, address in (
            ("cli-t", "telegram", "6001"),
            ("cli-s", "sms", "+447700900701"),
        ):
            save_contact(
                session,
                cipher,
                conversation_id=conversation,
                channel=channel,
                address=address,
                consent="reminders",
                now=datetime(2026, 12, 1, tzinfo=UTC),
            )
            schedule_message(
                session,
                conversation_id=conversation,
                kind="reminder",
                due_at=datetime(2026, 12, 8, 10, 0, tzinfo=UTC),
                content={"template": "reminder", "params": PARAMS},
                quiet=QuietHours(),
            )
    with Session(get_engine(database_url)) as session, session.begin():
        # A second message to the same chat, due at the same moment: it follows a second later.
        schedule_message(
            session,
            conversation_id="cli-t",
            kind="reminder_soon",
            due_at=datetime(2026, 12, 8, 10, 0, tzinfo=UTC),
            content={"template": "reminder_soon", "params": PARAMS},
            quiet=QuietHours(),
        )
    listing = run("messages")
    assert listing.exit_code == 0
    assert "Tue 08 Dec 2026  reminder" in listing.output and " 2" in listing.output
    assert "6001" not in listing.output and "900701" not in listing.output
    mark, texts = bot_api.mark(), twilio_api.mark()
    early = run("messages", "send-due", "--now", "2026-12-08T09:59")
    assert "0 sent" in early.output
    due = run("messages", "send-due", "--now", "2026-12-08T10:00")
    assert "3 sent" in due.output, due.output
    assert len(bot_api.sent(mark, 6001)) == 2 and len(twilio_api.sent_to("+447700900701", texts)) == 1
    assert "Nothing pending." in run("messages").output
    assert "sent 3" in run("messages").output


def test_a_time_that_is_not_a_time_is_a_clear_error(app_settings: None) -> None:
    result = CliRunner().invoke(cli, ["messages", "send-due", "--now", "tomorrow"])
    assert result.exit_code != 0
