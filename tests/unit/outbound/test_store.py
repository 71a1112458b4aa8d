from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import OutboundContact, OutboundMessage
from bot.outbound import (
    ContactCipher,
    NoConsent,
    QuietHours,
    cancel_by_reference_prefix,
    cancel_pending,
    forget_conversation,
    has_contact,
    pending_summary,
    save_contact,
    schedule_message,
    stop_conversation,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
REMINDER = {"template": "reminder", "params": {"session": "Drop-in"}}


def consent(
    session: Session, cipher: ContactCipher, conversation: str = "c1", address: str = "+447700900123"
) -> OutboundContact:
    return save_contact(
        session,
        cipher,
        conversation_id=conversation,
        channel="sms",
        address=address,
        consent="2 messages about Drop-in",
        now=NOW,
    )


def schedule(
    session: Session, quiet: QuietHours, conversation: str = "c1", **fields: object
) -> OutboundMessage:
    values: dict[str, object] = {"kind": "reminder", "due_at": NOW + timedelta(days=1), "content": REMINDER}
    values.update(fields)
    return schedule_message(session, conversation_id=conversation, quiet=quiet, **values)  # type: ignore[arg-type]


def pending(session: Session) -> int:
    return session.scalar(select(func.count()).where(OutboundMessage.status == "pending")) or 0


def contacts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboundContact)) or 0


def test_a_contact_keeps_only_the_encrypted_address(db_session: Session, cipher: ContactCipher) -> None:
    contact = consent(db_session, cipher)
    db_session.commit()
    stored = db_session.scalars(select(OutboundContact.address_encrypted)).one()
    assert "7700900123" not in stored
    assert cipher.decrypt(stored) == "+447700900123"
    assert contact.consent == "2 messages about Drop-in"
    assert has_contact(db_session, "c1")
    assert not has_contact(db_session, "c2")


def test_saving_again_updates_the_one_contact(db_session: Session, cipher: ContactCipher) -> None:
    consent(db_session, cipher)
    consent(db_session, cipher, address="+447700900999")
    assert contacts(db_session) == 1


def test_a_web_chat_cannot_be_saved(db_session: Session, cipher: ContactCipher) -> None:
    with pytest.raises(NoConsent):
        save_contact(
            db_session, cipher, conversation_id="w", channel="web", address="x", consent="y", now=NOW
        )


def test_a_message_is_moved_out_of_quiet_hours(
    db_session: Session, cipher: ContactCipher, quiet: QuietHours
) -> None:
    consent(db_session, cipher)
    message = schedule(db_session, quiet, due_at=datetime(2026, 12, 7, 22, 30, tzinfo=UTC))
    db_session.commit()
    db_session.expire_all()
    stored = db_session.get(OutboundMessage, message.id)
    assert stored is not None
    assert stored.due_at.replace(tzinfo=UTC) == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    assert stored.status == "pending" and stored.channel == "sms" and stored.contact_id is not None


def test_a_message_pushed_past_its_use_by_the_night_is_dropped_and_counted(
    db_session: Session, quiet: QuietHours
) -> None:
    message = schedule(
        db_session,
        quiet,
        due_at=datetime(2026, 12, 7, 6, 0, tzinfo=UTC),
        expires_at=datetime(2026, 12, 7, 8, 0, tzinfo=UTC),
    )
    assert message.status == "dropped"
    assert pending(db_session) == 0


def test_a_message_scheduled_before_the_consent_is_saved_is_linked_by_it(
    db_session: Session, cipher: ContactCipher, quiet: QuietHours
) -> None:
    message = schedule(db_session, quiet)
    assert message.contact_id is None
    contact = consent(db_session, cipher)
    db_session.refresh(message)
    assert message.contact_id == contact.id and message.channel == "sms"


def test_stop_cancels_everything_pending_and_deletes_the_contact(
    db_session: Session, cipher: ContactCipher, quiet: QuietHours
) -> None:
    consent(db_session, cipher)
    schedule(db_session, quiet)
    schedule(db_session, quiet, kind="followup")
    assert stop_conversation(db_session, "c1", now=NOW, reason="STOP") == 2
    assert contacts(db_session) == 0 and pending(db_session) == 0


def test_cancel_by_kind_keeps_the_contact_while_something_is_due(
    db_session: Session, cipher: ContactCipher, quiet: QuietHours
) -> None:
    consent(db_session, cipher)
    schedule(db_session, quiet)
    schedule(db_session, quiet, kind="followup")
    assert cancel_pending(db_session, "c1", kinds=["reminder"]) == 1
    assert contacts(db_session) == 1
    assert cancel_pending(db_session, "c1") == 1
    assert contacts(db_session) == 0
    assert cancel_pending(db_session, "c1") == 0  # nothing pending: a clear zero, no error


def test_cancel_by_reference_touches_only_that_reference(
    db_session: Session, cipher: ContactCipher, quiet: QuietHours
) -> None:
    consent(db_session, cipher)
    schedule(db_session, quiet, reference="booking:1")
    schedule(db_session, quiet, reference="booking:2")
    assert cancel_pending(db_session, "c1", reference="booking:1") == 1
    assert pending(db_session) == 1


def test_cancel_by_reference_prefix_returns_each_conversation_once(
    db_session: Session, cipher: ContactCipher, quiet: QuietHours
) -> None:
    for conversation in ("a", "b"):
        consent(db_session, cipher, conversation)
        schedule(db_session, quiet, conversation, reference="session:7:2026-12-08")
        schedule(db_session, quiet, conversation, kind="followup", reference="session:7:2026-12-08")
    consent(db_session, cipher, "c")
    schedule(db_session, quiet, "c", reference="session:70:2026-12-08")
    schedule(db_session, quiet, "c", reference="session_7")
    assert cancel_by_reference_prefix(db_session, "session:7:") == ["a", "b"]
    assert pending(db_session) == 2
    assert contacts(db_session) == 1  # a and b have nothing left; c has
    assert cancel_by_reference_prefix(db_session, "session%") == []  # a wildcard is a character


def test_forget_removes_every_row_of_the_conversation(
    db_session: Session, cipher: ContactCipher, quiet: QuietHours
) -> None:
    consent(db_session, cipher)
    sent = schedule(db_session, quiet)
    sent.status = "sent"
    schedule(db_session, quiet)
    consent(db_session, cipher, "other")
    schedule(db_session, quiet, "other")
    forget_conversation(db_session, "c1")
    assert db_session.scalars(select(OutboundMessage.conversation_id)).all() == ["other"]
    assert contacts(db_session) == 1


def test_pending_summary_counts_by_kind_and_local_day(db_session: Session, quiet: QuietHours) -> None:
    schedule(db_session, quiet, due_at=datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    schedule(db_session, quiet, "c2", due_at=datetime(2026, 12, 8, 11, 0, tzinfo=UTC))
    schedule(db_session, quiet, kind="followup", due_at=datetime(2026, 12, 9, 11, 0, tzinfo=UTC))
    # 23:30 UTC on 1 July is 00:30 BST on 2 July, moved to 09:00 BST: the 2nd, local.
    schedule(db_session, quiet, due_at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    cancelled = schedule(db_session, quiet)
    cancelled.status = "cancelled"
    db_session.flush()
    assert pending_summary(db_session) == [
        ("followup", date(2026, 12, 9), 1),
        ("reminder", date(2026, 7, 2), 1),
        ("reminder", date(2026, 12, 8), 2),
    ]
