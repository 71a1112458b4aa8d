"""Due messages through the real senders: each sent once, faults handled as the issue says."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import OutboundContact, OutboundMessage
from tests.integration.outbound.conftest import NOW, TOKEN, Outbox, later

pytestmark = pytest.mark.asyncio(loop_scope="session")


def statuses(outbox: Outbox) -> dict[int, tuple[str, int, str | None]]:
    with Session(outbox.database) as session:
        return {m.id: (m.status, m.attempts, m.error) for m in session.scalars(select(OutboundMessage))}


def contacts(outbox: Outbox) -> int:
    with Session(outbox.database) as session:
        return session.scalar(select(func.count()).select_from(OutboundContact)) or 0


async def test_a_due_reminder_goes_once_on_telegram_and_by_sms(outbox: Outbox) -> None:
    mark, texts = outbox.bot_api.mark(), outbox.twilio_api.mark()
    outbox.contact("t1", "telegram", "5001")
    outbox.contact("s1", "sms", "+447700900101")
    telegram = outbox.schedule("t1")
    sms = outbox.schedule("s1")
    not_yet = outbox.schedule("s1", kind="followup", due_at=NOW + later(60))
    dispatcher = outbox.dispatcher()
    done = await dispatcher.drain()
    assert (done.claimed, done.sent) == (2, 2)
    [call] = outbox.bot_api.sent(mark, 5001)
    assert call.text.startswith("Reminder: Get online drop-in is tomorrow")
    assert call.button_titles() == ["Stop reminders"]
    [text] = outbox.twilio_api.sent_to("+447700900101", texts)
    assert "Reply CANCEL to stop these texts." in text.body
    states = statuses(outbox)
    assert states[telegram][0] == "sent" and states[sms][0] == "sent" and states[not_yet][0] == "pending"
    # Nothing more for t1: its address is gone; s1 still has one message due.
    assert contacts(outbox) == 1
    assert (await dispatcher.drain()).claimed == 0
    assert len(outbox.bot_api.sent(mark, 5001)) == 1


async def test_a_telegram_server_error_is_retried_after_a_pause_then_sent(outbox: Outbox) -> None:
    mark = outbox.bot_api.mark()
    outbox.contact("t2", "telegram", "5002")
    message = outbox.schedule("t2")
    dispatcher = outbox.dispatcher()
    outbox.bot_api.fail("sendMessage", times=1, status=502)
    first = await dispatcher.drain()
    assert (first.retried, first.sent) == (1, 0)
    assert statuses(outbox)[message][:2] == ("pending", 1)
    assert (await dispatcher.drain()).claimed == 0, "not again before the back-off"
    outbox.clock.now += later(1)
    assert (await dispatcher.drain()).sent == 1
    assert len(outbox.bot_api.sent(mark, 5002)) == 1
    assert statuses(outbox)[message][:2] == ("sent", 2)


async def test_a_blocked_bot_stops_everything_for_that_person(outbox: Outbox) -> None:
    outbox.contact("t3", "telegram", "5003")
    first = outbox.schedule("t3")
    second = outbox.schedule("t3", kind="followup", due_at=NOW + later(600))
    outbox.bot_api.block(5003)
    done = await outbox.dispatcher().drain()
    assert done.unreachable == 1
    states = statuses(outbox)
    assert states[first][0] == "failed" and states[first][2] == "telegram: Forbidden"
    assert states[second][0] == "cancelled"
    assert contacts(outbox) == 0


async def test_an_sms_provider_error_is_retried_then_given_up(outbox: Outbox) -> None:
    texts = outbox.twilio_api.mark()
    outbox.contact("s2", "sms", "+447700900102")
    message = outbox.schedule("s2")
    dispatcher = outbox.dispatcher(max_attempts=2)
    outbox.twilio_api.fail(times=5, status=500)
    assert (await dispatcher.drain()).retried == 1
    outbox.clock.now += later(5)
    assert (await dispatcher.drain()).failed == 1
    status, attempts, error = statuses(outbox)[message]
    assert (status, attempts) == ("failed", 2) and error is not None and "gave up after 2" in error
    assert outbox.twilio_api.sent_to("+447700900102", texts) == []
    outbox.twilio_api.fail(times=0)


async def test_an_sms_5xx_then_ok_is_sent_once(outbox: Outbox) -> None:
    texts = outbox.twilio_api.mark()
    outbox.contact("s3", "sms", "+447700900103")
    outbox.schedule("s3")
    dispatcher = outbox.dispatcher()
    outbox.twilio_api.fail(times=1, status=503)
    await dispatcher.drain()
    outbox.clock.now += later(1)
    assert (await dispatcher.drain()).sent == 1
    assert len(outbox.twilio_api.sent_to("+447700900103", texts)) == 1


async def test_an_invalid_number_stops_everything_for_that_person(outbox: Outbox) -> None:
    outbox.contact("s4", "sms", "+447700900104")
    outbox.schedule("s4")
    later_one = outbox.schedule("s4", kind="followup", due_at=NOW + later(600))
    outbox.twilio_api.invalid("+447700900104", 21211)
    done = await outbox.dispatcher().drain()
    assert done.unreachable == 1
    assert statuses(outbox)[later_one][0] == "cancelled"
    assert contacts(outbox) == 0


async def test_a_message_past_its_use_is_dropped_and_counted_not_sent(outbox: Outbox) -> None:
    mark = outbox.bot_api.mark()
    outbox.contact("t4", "telegram", "5004")
    stale = outbox.schedule("t4", due_at=NOW - later(50), expires_at=NOW - later(10))
    useful = outbox.schedule("t4", kind="followup", due_at=NOW - later(50), expires_at=NOW + later(60))
    done = await outbox.dispatcher().drain()
    assert (done.dropped, done.sent) == (1, 1)
    states = statuses(outbox)
    assert states[stale][0] == "dropped" and states[useful][0] == "sent"
    assert len(outbox.bot_api.sent(mark, 5004)) == 1


async def test_a_message_left_sending_by_a_crash_is_never_sent_again(outbox: Outbox) -> None:
    mark = outbox.bot_api.mark()
    outbox.contact("t5", "telegram", "5005")
    message = outbox.schedule("t5")
    with Session(outbox.database) as session, session.begin():
        row = session.get(OutboundMessage, message)
        assert row is not None
        row.status, row.claimed_by, row.claimed_at, row.attempts = "sending", "dead", NOW - later(30), 1
    done = await outbox.dispatcher().drain()
    assert done.unknown_after_restart == 1 and done.sent == 0
    assert statuses(outbox)[message][0:3:2] == ("failed", "unknown after restart")
    assert outbox.bot_api.sent(mark, 5005) == []


async def test_a_retry_that_falls_in_the_night_waits_for_the_morning(outbox: Outbox) -> None:
    outbox.contact("t6", "telegram", "5006")
    message = outbox.schedule("t6", due_at=NOW.replace(hour=20, minute=30))
    outbox.clock.now = NOW.replace(hour=21, minute=30)  # the backlog reached it after 21:00
    done = await outbox.dispatcher().drain()
    assert done.deferred == 1
    with Session(outbox.database) as session:
        row = session.get(OutboundMessage, message)
        assert row is not None and row.status == "pending" and row.attempts == 0
        assert row.next_attempt_at is not None and row.next_attempt_at.hour == 9


async def test_one_persons_messages_go_one_at_a_time_a_second_apart(outbox: Outbox) -> None:
    outbox.contact("t7", "telegram", "5007")
    first = outbox.schedule("t7")
    second = outbox.schedule("t7", kind="session_changed")
    dispatcher = outbox.dispatcher()
    assert (await dispatcher.drain()).sent == 1, "the second waits for the first"
    states = statuses(outbox)
    assert states[first][0] == "sent" and states[second][0] == "pending"
    outbox.clock.now += later(1)
    assert (await dispatcher.drain()).sent == 1
    assert statuses(outbox)[second][0] == "sent"


async def test_the_gateways_background_dispatcher_sends_and_stops_cleanly(outbox: Outbox) -> None:
    mark = outbox.bot_api.mark()
    for n in range(3):
        outbox.contact(f"bg{n}", "telegram", str(5100 + n))
        outbox.schedule(f"bg{n}")
    task = asyncio.create_task(outbox.dispatcher().run_forever(poll_seconds=0.05))
    for _ in range(600):  # until the three have gone (a deadline, not a timing assertion)
        if all(state == "sent" for state, _, _ in statuses(outbox).values()):
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert {state for state, _, _ in statuses(outbox).values()} == {"sent"}
    assert sorted(c.chat_id or 0 for c in outbox.bot_api.since(mark, methods={"sendMessage"})) == [
        5100,
        5101,
        5102,
    ]


async def test_telegrams_flood_control_is_waited_out_by_the_rate_limiter(outbox: Outbox) -> None:
    from bot.channels.telegram.outbound import TelegramSender, outbound_bot
    from bot.gateway.turns import BotMessage
    from bot.settings import Settings

    settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=outbox.bot_api.base_url)
    sender = TelegramSender(outbound_bot(settings))
    mark = outbox.bot_api.mark()
    outbox.bot_api.flood("sendMessage", times=1, retry_after=1)
    try:
        provider_id = await sender.send("5200", [BotMessage("Reminder: tomorrow at 10am.")])
    finally:
        await sender.aclose()
    assert provider_id is not None
    assert len(outbox.bot_api.sent(mark, 5200)) == 1, "sent once, after the 429"


async def test_an_idle_dispatcher_waits_only_until_the_next_message_can_go(outbox: Outbox) -> None:
    """Not a whole poll: until a person's next message is let through, or the next falls due."""
    from datetime import timedelta

    from bot.outbound.dispatch import PER_PERSON_GAP

    outbox.contact("w1", "telegram", "5301")
    outbox.schedule("w1")
    outbox.schedule("w1", kind="session_changed")
    dispatcher = outbox.dispatcher()
    assert await dispatcher._until_ready(30.0) == 30.0, "nothing to wait for: the poll"
    [job] = dispatcher._claim(outbox.clock.now)
    await dispatcher._deliver_and_record(job)
    assert dispatcher._claim(outbox.clock.now) == [], "the second is held back a moment"
    assert await dispatcher._until_ready(30.0) == PER_PERSON_GAP.total_seconds()
    outbox.contact("w2", "sms", "+447700900301")
    outbox.schedule("w2", due_at=outbox.clock.now + timedelta(seconds=0.4))
    assert await dispatcher._until_ready(30.0) == 0.4
    assert await dispatcher._until_ready(0.2) == 0.2, "never more than a poll"
