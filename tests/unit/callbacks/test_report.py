"""The reports count call backs per week and organisation, waits and outcomes; never numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.callbacks import store
from bot.callbacks.report import callback_rows, csv_table, totals
from bot.callbacks.workdays import WorkingDays
from bot.db.models import CallbackOutcome, Organisation
from bot.outbound import ContactCipher

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_requests_waits_and_outcomes_by_week_and_organisation(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    org = Organisation(name="Leeds Libraries")
    db_session.add(org)
    db_session.flush()

    def request(conversation: str, when: datetime, priority: bool = False) -> store.CallbackRequest:
        made = store.create_request(
            db_session,
            cipher,
            store.NewRequest(conversation, "sms", "", "any", None, priority, "", ""),
            now=when,
            workdays=workdays,
            within_working_days=2,
        )
        store.attach_number(db_session, cipher, made.id, conversation, "+447400123456", "mobile")
        return made

    helped = request("a", MONDAY, priority=True)
    store.assign(db_session, helped, organisation_id=org.id, champion="")
    store.mark_called(db_session, helped, now=MONDAY + timedelta(hours=3))
    store.close(db_session, helped, CallbackOutcome.HELPED, now=MONDAY + timedelta(hours=4))
    request("b", MONDAY + timedelta(days=1))
    store.cancel_for_conversation(db_session, "b", now=MONDAY + timedelta(days=2))
    request("c", MONDAY + timedelta(days=7))

    rows = callback_rows(db_session, date(2026, 11, 30), date(2026, 12, 13))
    assert [(r.week, r.organisation, r.requests) for r in rows] == [
        (date(2026, 11, 30), "(not assigned)", 1),
        (date(2026, 11, 30), "Leeds Libraries", 1),
        (date(2026, 12, 7), "(not assigned)", 1),
    ]
    libraries = rows[1]
    assert (libraries.priority, libraries.called, libraries.median_wait_hours) == (1, 1, 3.0)
    assert (
        libraries.outcomes["helped"] == 1
        and rows[0].outcomes["cancelled"] == 1
        and rows[2].outcomes["open"] == 1
    )
    assert totals(rows)["Helped"] == 1

    header, table = csv_table(rows)
    assert "number" not in " ".join(header) and "7400" not in repr(table)
    assert header[:6] == [
        "week_beginning",
        "organisation",
        "requests",
        "priority",
        "called",
        "median_wait_hours",
    ]
