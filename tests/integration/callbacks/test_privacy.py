"""Forget me and the retention purge, as the gateway and the daily job run them, remove call-back
numbers and names (the wiring of bot/privacy to bot/callbacks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.callbacks import store
from bot.callbacks.workdays import WorkingDays
from bot.db.models import CallbackRequest
from bot.db.session import session_scope
from bot.outbound import ContactCipher
from bot.privacy.forget import forget_person
from bot.privacy.purge import purge

NOW = datetime.now(UTC)


def make(url: str, conversation: str, created: datetime) -> None:
    cipher = ContactCipher([Fernet.generate_key().decode()])
    with session_scope(url) as session:
        request = store.create_request(
            session,
            cipher,
            store.NewRequest(conversation, "sms", "banking", "any", "Jo", False, "", "LS9"),
            now=created,
            workdays=WorkingDays(frozenset()),
            within_working_days=2,
        )
        store.attach_number(session, cipher, request.id, conversation, "+447400123456", "mobile")


def test_forget_me_deletes_the_persons_call_backs(migrated_url: str, tmp_path: Path) -> None:
    make(migrated_url, "me", NOW)
    make(migrated_url, "other", NOW)
    forget_person("me", database_url=migrated_url, tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}")
    with session_scope(migrated_url) as session:
        assert session.scalars(select(CallbackRequest.conversation_id)).all() == ["other"]


def test_the_purge_empties_old_numbers_and_names(migrated_url: str, tmp_path: Path) -> None:
    make(migrated_url, "old", NOW - timedelta(days=120))
    make(migrated_url, "new", NOW)
    purged = purge(
        timedelta(days=90),
        database_url=migrated_url,
        tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}",
    )
    assert purged.callback_requests == 1
    with session_scope(migrated_url) as session:
        rows = {r.topic + r.conversation_id: r for r in session.scalars(select(CallbackRequest))}
        old, new = rows["banking"], rows["bankingnew"]
        assert (old.phone_encrypted, old.name_encrypted, old.status) == (None, None, "done")
        assert new.phone_encrypted is not None and new.name_encrypted is not None
