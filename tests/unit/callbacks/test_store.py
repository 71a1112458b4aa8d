"""Call-back requests as rows: the number encrypted and gone when closed, one organisation's
queue, overdue by the clock, forget me and the retention purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.callbacks import store
from bot.callbacks.workdays import WorkingDays
from bot.db.models import (
    AuditEntry,
    CallbackOutcome,
    CallbackRequest,
    MessageStatus,
    Organisation,
    OutboundMessage,
)
from bot.outbound import ContactCipher, QuietHours
from bot.outbound.store import save_contact

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # a Friday
NUMBER = "+447400123456"


def make(
    session: Session,
    cipher: ContactCipher,
    workdays: WorkingDays,
    *,
    conversation: str = "conv-1",
    priority: bool = False,
    now: datetime = NOW,
    name: str | None = "Jo",
) -> CallbackRequest:
    request = store.create_request(
        session,
        cipher,
        store.NewRequest(
            conversation, "web", "my tablet", "mornings", name, priority, "scam" if priority else "", "LS9"
        ),
        now=now,
        workdays=workdays,
        within_working_days=2,
    )
    assert store.attach_number(session, cipher, request.id, conversation, NUMBER, "mobile")
    return request


def test_the_number_and_name_are_kept_only_encrypted(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    request = make(db_session, cipher, workdays)
    db_session.commit()
    assert NUMBER not in (request.phone_encrypted or "") and "Jo" not in (request.name_encrypted or "")
    assert cipher.decrypt(request.phone_encrypted or "") == NUMBER
    assert request.due_at.astimezone(UTC) == datetime(2026, 12, 8, 18, 0, tzinfo=UTC)


def test_a_number_is_attached_only_to_the_conversations_own_open_request(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    request = make(db_session, cipher, workdays)
    assert not store.attach_number(db_session, cipher, request.id, "someone-else", NUMBER, "mobile")
    assert not store.attach_number(db_session, cipher, request.id + 99, "conv-1", NUMBER, "mobile")


def test_done_asks_one_outcome_and_deletes_the_number(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    request = make(db_session, cipher, workdays)
    store.mark_not_reached(db_session, request, now=NOW + timedelta(hours=1))
    store.mark_called(db_session, request, now=NOW + timedelta(hours=3))
    assert request.attempts == 2 and request.first_called_at is not None
    store.close(db_session, request, CallbackOutcome.REFERRED, now=NOW + timedelta(hours=4))
    db_session.commit()
    row = db_session.scalars(select(CallbackRequest)).one()
    assert (row.status, row.outcome, row.phone_encrypted, row.name_encrypted) == (
        "done",
        "referred",
        None,
        None,
    )


def test_cancelling_twice_says_there_is_nothing_the_second_time(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    make(db_session, cipher, workdays)
    assert store.cancel_for_conversation(db_session, "conv-1", now=NOW)
    assert not store.cancel_for_conversation(db_session, "conv-1", now=NOW)
    assert db_session.scalars(select(CallbackRequest.phone_encrypted)).one() is None


def test_a_second_request_replaces_the_first(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    first = make(db_session, cipher, workdays)
    second = make(db_session, cipher, workdays)
    assert first.status == "done" and first.phone_encrypted is None
    assert store.open_request(db_session, "conv-1") is second


def test_an_organisation_sees_only_its_own_requests(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    ours, theirs = Organisation(name="Ours"), Organisation(name="Theirs")
    db_session.add_all([ours, theirs])
    db_session.flush()
    mine = make(db_session, cipher, workdays, conversation="a")
    other = make(db_session, cipher, workdays, conversation="b")
    store.assign(db_session, mine, organisation_id=ours.id, champion="Sam")
    store.assign(db_session, other, organisation_id=theirs.id, champion="")
    assert [r.id for r in store.queue(db_session, organisation_id=ours.id, is_admin=False)] == [mine.id]
    assert store.for_staff(db_session, mine.id, ours.id, False) is mine
    with pytest.raises(store.NotAllowed):
        store.for_staff(db_session, other.id, ours.id, False)
    with pytest.raises(store.NotAllowed):  # a guessed id that does not exist: the same answer
        store.for_staff(db_session, other.id + 1000, ours.id, False)
    with pytest.raises(store.NotAllowed):  # no organisation: nothing
        store.for_staff(db_session, mine.id, None, False)
    assert len(store.queue(db_session, organisation_id=None, is_admin=True)) == 2


def test_priority_requests_come_first(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    older = make(db_session, cipher, workdays, conversation="a", now=NOW - timedelta(days=1))
    urgent = make(db_session, cipher, workdays, conversation="b", priority=True)
    assert [r.id for r in store.queue(db_session, organisation_id=None, is_admin=True)] == [
        urgent.id,
        older.id,
    ]
    assert urgent.due_at.astimezone(UTC).date() == datetime(2026, 12, 7).date()  # one working day


def test_overdue_after_the_promised_time_until_someone_rings(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    request = make(db_session, cipher, workdays)
    assert store.overdue(db_session, datetime(2026, 12, 8, 17, 59, tzinfo=UTC)) == []
    late = datetime(2026, 12, 8, 18, 1, tzinfo=UTC)
    assert store.overdue(db_session, late) == [request]
    store.mark_not_reached(db_session, request, now=late)
    assert store.overdue(db_session, late) == []


def test_opening_a_request_shows_the_number_and_is_audited(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    request = make(db_session, cipher, workdays)
    number, name = store.reveal(db_session, cipher, request, "champion@example.org")
    assert (number, name) == ("07400 123456", "Jo")
    entry = db_session.scalars(select(AuditEntry)).one()
    assert (entry.staff_email, entry.action, entry.entity_id) == (
        "champion@example.org",
        "view",
        str(request.id),
    )
    assert "07400" not in entry.summary


def test_the_overdue_notice_is_scheduled_for_the_due_time_and_cancelled_by_a_call(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    save_contact(
        db_session, cipher, conversation_id="conv-1", channel="telegram", address="42", consent="x", now=NOW
    )
    request = make(db_session, cipher, workdays)
    assert store.schedule_overdue_notice(
        db_session, request, quiet=QuietHours(), helpline_phone="0113 222 4444"
    )
    message = db_session.scalars(select(OutboundMessage)).one()
    # 18:00 is after the quiet hours start? No: they start at 21:00, so it goes at the due time.
    assert message.due_at.astimezone(UTC) == request.due_at.astimezone(UTC)
    assert message.content == {"template": "callback_overdue", "params": {"phone": "0113 222 4444"}}
    store.mark_called(db_session, request, now=NOW)
    assert db_session.scalars(select(OutboundMessage.status)).one() == MessageStatus.CANCELLED.value


def test_told_of_the_delay_once_when_they_next_write(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    make(db_session, cipher, workdays)
    late = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
    assert store.overdue_untold(db_session, "conv-1", NOW) is None
    assert store.overdue_untold(db_session, "conv-1", late) is not None
    assert store.overdue_untold(db_session, "conv-1", late) is None


def test_forget_me_deletes_the_requests(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    make(db_session, cipher, workdays)
    make(db_session, cipher, workdays, conversation="other")
    assert store.forget_callbacks(db_session, "conv-1") == 1
    assert db_session.scalars(select(CallbackRequest.conversation_id)).all() == ["other"]


def test_the_purge_keeps_counts_but_not_the_person(
    db_session: Session, cipher: ContactCipher, workdays: WorkingDays
) -> None:
    old = make(db_session, cipher, workdays, conversation="old", now=NOW - timedelta(days=100))
    new = make(db_session, cipher, workdays, conversation="new")
    store.purge_callbacks(db_session, NOW - timedelta(days=90))
    db_session.commit()
    db_session.refresh(old)
    db_session.refresh(new)
    assert (old.conversation_id, old.phone_encrypted, old.name_encrypted, old.status) == (
        "",
        None,
        None,
        "done",
    )
    assert new.phone_encrypted is not None and new.conversation_id == "new"


def test_the_outcode_only(db_session: Session) -> None:
    assert store.outcode_of("LS9 7AB") == "LS9"
    assert store.outcode_of("ls97ab") == "LS9"
    assert store.outcode_of("Harehills") == ""
    assert store.outcode_of(None) == ""
