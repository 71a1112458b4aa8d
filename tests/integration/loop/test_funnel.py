"""The funnel counts people at each step, per week, venue and referral code, and names nobody."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from bot.db.models import Contact, LoopStep, MessageStatus, OutboundMessage, UsageKind
from bot.loop.booking import book
from bot.loop.conversation import reference_of
from bot.loop.events import record_steps
from bot.loop.funnel import STEPS, csv_table, funnel
from bot.pseudonym import person_key
from bot.reports.queries import Period
from bot.usage.events import Usage, write_usage
from tests.conftest import Factory

DAY = date(2026, 12, 2)
PERIOD = Period.last_weeks(4, DAY)


def test_each_step_counts_people_once(db_session: Session, factory: Factory) -> None:
    venue = factory.venue(name="Central Library")
    help_session = factory.help_session(venue)
    for person in ("a", "b", "c"):
        write_usage(db_session, [Usage.of(UsageKind.SEARCH, "sms", person, "LS9", DAY)])
        record_steps(db_session, LoopStep.SHOWN, person, venue_ids=[venue.id], day=DAY)
    for person in ("a", "b"):
        record_steps(db_session, LoopStep.ASKED, person, venue_ids=[venue.id], day=DAY)
        record_steps(db_session, LoopStep.ASKED, person, venue_ids=[venue.id], day=DAY)  # twice: once
    booking = book(
        db_session,
        session_id=help_session.id,
        starts_at=datetime(2026, 12, 8, 10, tzinfo=UTC),
        conversation_id="a",
        channel="sms",
    )
    db_session.add(
        OutboundMessage(
            conversation_id="a",
            kind="reminder",
            due_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
            sent_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
            status=MessageStatus.SENT.value,
            content={},
            reference=reference_of(booking, booking.occurrence),
        )
    )
    record_steps(db_session, LoopStep.WENT, "a", venue_ids=[venue.id], day=DAY)
    record_steps(db_session, LoopStep.RETOOK, "a", day=DAY)
    record_steps(db_session, LoopStep.LEVEL_UP, "a", day=DAY)
    db_session.add(
        Contact(
            person=person_key("a"),
            channel="sms",
            first_seen=datetime.now(UTC),
            last_seen=datetime.now(UTC),
            referral_code="LIB1",
        )
    )
    db_session.flush()

    found = funnel(db_session, PERIOD)
    assert found.total.values() == [3, 3, 2, 1, 1, 1, 1]
    [by_venue] = found.venues
    assert by_venue.label == "Central Library"
    assert by_venue.counts["asked"] == 2 and by_venue.counts["level_up"] == 1
    [by_code] = found.referrals
    assert (by_code.label, by_code.values()) == ("LIB1", [1, 1, 1, 1, 1, 1, 1])
    assert sum(row.counts["searched"] for row in found.weeks) == 3
    header, rows = csv_table(found.venues, "venue")
    assert header == ["venue", *STEPS] and rows == [["Central Library", 0, 3, 2, 1, 1, 1, 1]]
