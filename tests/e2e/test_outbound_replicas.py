"""Two gateway replicas' dispatchers on one PostgreSQL: 2,000 due messages, each sent exactly once.

Each dispatcher has its own connection pool (as two replicas would), its own Bot API client and
its own Twilio client, and both drain the same table at the same time against the fake Bot API
and the fake Twilio API on loopback. Then every message is `sent`, every address got exactly one
message, and both dispatchers took part.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bot.db import migrate
from bot.db.models import OutboundMessage
from bot.outbound import ContactCipher, QuietHours, save_contact, schedule_message
from tests.conftest import postgres_schema
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.integration.outbound.conftest import NOW, PARAMS, TOKEN, Outbox

pytestmark = [pytest.mark.postgres, pytest.mark.asyncio(loop_scope="session")]
PEOPLE = 1_000  # on each channel: 2,000 messages


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeBotApi, FakeTwilioApi]]:
    bot_api, twilio_api = FakeBotApi(TOKEN).start(), FakeTwilioApi().start()
    yield bot_api, twilio_api
    bot_api.stop()
    twilio_api.stop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schema() as url:
        migrate.upgrade(url)
        yield url
        migrate.forget(url)


async def test_two_dispatchers_send_each_of_2000_due_messages_exactly_once(
    postgres_url: str, fakes: tuple[FakeBotApi, FakeTwilioApi]
) -> None:
    bot_api, twilio_api = fakes
    first_db, second_db = create_engine(postgres_url), create_engine(postgres_url)
    outbox = Outbox(
        first_db, ContactCipher([Fernet.generate_key().decode()]), QuietHours(), bot_api, twilio_api
    )
    with Session(first_db) as session, session.begin():
        for n in range(PEOPLE):
            for channel, address in (("telegram", str(100_000 + n)), ("sms", f"+44770090{n:04d}")):
                conversation = f"{channel}-{n}"
                save_contact(
                    session,
                    outbox.cipher,
                    conversation_id=conversation,
                    channel=channel,
                    address=address,
                    consent="reminders",
                    now=NOW,
                )
                schedule_message(
                    session,
                    conversation_id=conversation,
                    kind="reminder",
                    due_at=NOW,
                    content={"template": "reminder", "params": PARAMS},
                    quiet=outbox.quiet,
                )
    mark, texts = bot_api.mark(), twilio_api.mark()
    one, two = outbox.dispatcher(first_db, name="replica-1"), outbox.dispatcher(second_db, name="replica-2")
    try:
        rounds = await asyncio.gather(one.drain(), two.drain())
    finally:
        await one.aclose()
        await two.aclose()
    sends = Counter(call.chat_id for call in bot_api.since(mark, methods={"sendMessage"}))
    sms = Counter(text.to for text in twilio_api.snapshot()[texts:])
    assert len(sends) == PEOPLE and set(sends.values()) == {1}, "every chat got exactly one message"
    assert len(sms) == PEOPLE and set(sms.values()) == {1}, "every number got exactly one text"
    with Session(first_db) as session:
        statuses = dict(
            session.execute(
                select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)
            ).all()
        )
        by_replica = dict(
            session.execute(
                select(OutboundMessage.claimed_by, func.count()).group_by(OutboundMessage.claimed_by)
            ).all()
        )
    assert statuses == {"sent": 2 * PEOPLE}, "none lost, none left sending"
    assert sum(r.sent for r in rounds) == 2 * PEOPLE
    assert set(by_replica) == {"replica-1", "replica-2"}, f"both replicas took part: {by_replica}"
    print(f"\nexactly once: 2,000 messages, {by_replica}")
    first_db.dispose()
    second_db.dispose()
