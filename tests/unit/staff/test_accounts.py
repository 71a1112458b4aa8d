from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from bot.db.models import StaffRole
from bot.staff.accounts import AccountError, authenticate, create_staff, find_staff, set_password

PASSWORD = "correct horse battery staple"


def test_an_account_is_made_with_an_argon2_hash_and_logs_in(db_session: Session) -> None:
    user = create_staff(db_session, "  Jo.Bloggs@Leeds.gov.uk ", PASSWORD, StaffRole.ADMIN)
    assert user.email == "jo.bloggs@leeds.gov.uk"
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    found = authenticate(db_session, "JO.BLOGGS@leeds.gov.uk", PASSWORD)
    assert found is not None and found.id == user.id and found.role is StaffRole.ADMIN
    assert found.last_login_at is not None


def test_wrong_password_unknown_email_and_inactive_account_are_refused(db_session: Session) -> None:
    user = create_staff(db_session, "a@leeds.gov.uk", PASSWORD)
    assert user.role is StaffRole.EDITOR
    assert authenticate(db_session, "a@leeds.gov.uk", "wrong password here") is None
    assert authenticate(db_session, "nobody@leeds.gov.uk", PASSWORD) is None
    assert authenticate(db_session, "a@leeds.gov.uk", "x" * 10_000) is None
    user.active = False
    assert authenticate(db_session, "a@leeds.gov.uk", PASSWORD) is None


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", PASSWORD, "does not look like an email"),
        ("b@leeds.gov.uk", "short", "at least 12 characters"),
    ],
)
def test_bad_accounts_are_explained(db_session: Session, email: str, password: str, message: str) -> None:
    with pytest.raises(AccountError, match=message):
        create_staff(db_session, email, password)
    assert find_staff(db_session, email) is None


def test_an_email_has_one_account_and_a_password_can_be_changed(db_session: Session) -> None:
    user = create_staff(db_session, "c@leeds.gov.uk", PASSWORD)
    with pytest.raises(AccountError, match="already an account"):
        create_staff(db_session, "C@leeds.gov.uk", PASSWORD)
    set_password(db_session, user, "a brand new passphrase")
    assert authenticate(db_session, "c@leeds.gov.uk", PASSWORD) is None
    assert authenticate(db_session, "c@leeds.gov.uk", "a brand new passphrase") is not None


def test_an_account_can_belong_to_an_organisation(db_session: Session) -> None:
    from bot.db.models import Organisation

    db_session.add(Organisation(name="Leeds Libraries"))
    db_session.flush()
    user = create_staff(
        db_session, "champ@leeds.gov.uk", "a long enough passphrase", organisation="leeds libraries"
    )
    assert user.organisation is not None and user.organisation.name == "Leeds Libraries"
    with pytest.raises(AccountError, match="no organisation called"):
        create_staff(db_session, "other@leeds.gov.uk", "a long enough passphrase", organisation="Nowhere")
