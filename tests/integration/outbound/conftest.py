"""The dispatcher with the real senders against the fake Bot API and the fake Twilio API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from telegram import Bot
from twilio.rest import Client

from bot.channels.sms.outbound import SmsSender, TwilioHttpx
from bot.channels.telegram.outbound import ChatPacer, TelegramSender
from bot.db.session import get_engine
from bot.gateway.state import MemoryState
from bot.outbound import ContactCipher, QuietHours, save_contact, schedule_message
from bot.outbound.compose import Composer
from bot.outbound.dispatch import Dispatcher
from bot.outbound.senders import Sender
from bot.outbound.templates import Templates
from bot.settings import ROOT
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi

TOKEN = "777001:TEST-outbound"
NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
PARAMS = {
    "session": "Get online drop-in",
    "day": "Tuesday 8 December",
    "time": "10am",
    "place": "Leeds Central Library",
    "address": "Calverley Street, LS1 3AB",
    "phone": "0113 378 5005",
}

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi(TOKEN).start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[FakeTwilioApi]:
    api = FakeTwilioApi().start()
    yield api
    api.stop()


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Outbox:
    """Contacts and messages made through the scheduling API, and dispatchers over them."""

    database: Engine
    cipher: ContactCipher
    quiet: QuietHours
    bot_api: FakeBotApi
    twilio_api: FakeTwilioApi
    clock: Clock = field(default_factory=Clock)
    state: MemoryState = field(default_factory=MemoryState)
    dispatchers: list[Dispatcher] = field(default_factory=list)

    def contact(self, conversation: str, channel: str, address: str) -> None:
        with Session(self.database) as session, session.begin():
            save_contact(
                session,
                self.cipher,
                conversation_id=conversation,
                channel=channel,
                address=address,
                consent="reminders",
                now=self.clock.now,
            )

    def schedule(self, conversation: str, kind: str = "reminder", **fields: Any) -> int:
        values: dict[str, Any] = {
            "due_at": self.clock.now,
            "content": {"template": "reminder", "params": PARAMS},
        }
        values.update(fields)
        with Session(self.database) as session, session.begin():
            message = schedule_message(
                session, conversation_id=conversation, kind=kind, quiet=self.quiet, **values
            )
            return message.id

    def dispatcher(
        self, database: Engine | None = None, *, telegram_pace: float = 0.0, **options: Any
    ) -> Dispatcher:
        bot = Bot(TOKEN, base_url=self.bot_api.base_url)
        http = TwilioHttpx(self.twilio_api.base_url)
        client = Client(self.twilio_api.account_sid, self.twilio_api.auth_token, http_client=http)
        senders: dict[str, Sender] = {
            "telegram": TelegramSender(bot, self.state, ChatPacer(telegram_pace)),
            "sms": SmsSender(client, "+447700900000", options.pop("status_callback", None)),
        }
        composer = Composer(
            Templates.load(ROOT / "content" / "messages.yml"), options.pop("engine", None), self.cipher
        )
        dispatcher = Dispatcher(
            database or self.database,
            composer,
            senders,
            self.cipher,
            self.quiet,
            state=options.pop("state", self.state),
            clock=self.clock,
            **options,
        )
        self.dispatchers.append(dispatcher)
        return dispatcher


@pytest.fixture
async def outbox(migrated_url: str, bot_api: FakeBotApi, twilio_api: FakeTwilioApi) -> AsyncIterator[Outbox]:
    box = Outbox(
        get_engine(migrated_url),
        ContactCipher([Fernet.generate_key().decode()]),
        QuietHours(21, 9, "Europe/London"),
        bot_api,
        twilio_api,
    )
    yield box
    for dispatcher in box.dispatchers:
        await dispatcher.aclose()


def later(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)
