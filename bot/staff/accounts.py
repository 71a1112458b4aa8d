"""Staff accounts: create them, check a password, change a role; passwords kept as argon2 hashes.

Accounts are made from the command line (`python -m bot add-staff EMAIL`), never from a web
form, so a stolen admin session cannot create itself a new account. An unknown email costs the
same argon2 work as a wrong password, so the login page does not tell which emails exist.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Organisation, StaffRole, StaffUser

# NCSC advice: length beats complexity rules; three random words easily make 12 characters.
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both answers take as long.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class AccountError(ValueError):
    """Why an account could not be made or changed, in words for the person at the terminal."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    cleaned = normalise_email(email)
    if not _EMAIL.match(cleaned) or len(cleaned) > 200:
        raise AccountError(f"'{email.strip()}' does not look like an email address.")
    return cleaned


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(
            f"The password needs at least {MIN_PASSWORD_CHARS} characters "
            "(three random words make a good one)."
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"The password is longer than {MAX_PASSWORD_CHARS} characters.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_staff(session: Session, email: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == normalise_email(email)))


def create_staff(
    session: Session,
    email: str,
    password: str,
    role: StaffRole = StaffRole.EDITOR,
    organisation: str | None = None,
) -> StaffUser:
    """A new active account; AccountError if the email is taken, the password too weak, or the
    organisation (whose call-back requests a champion or editor sees) is not listed."""
    cleaned = check_email(email)
    check_password(password)
    if find_staff(session, cleaned) is not None:
        raise AccountError(f"There is already an account for {cleaned}.")
    organisation_id = None
    if organisation:
        organisation_id = session.scalar(
            select(Organisation.id).where(func.lower(Organisation.name) == organisation.strip().lower())
        )
        if organisation_id is None:
            raise AccountError(f"There is no organisation called '{organisation.strip()}' in the listings.")
    user = StaffUser(
        email=cleaned,
        password_hash=hash_password(password),
        role=role,
        active=True,
        organisation_id=organisation_id,
    )
    session.add(user)
    session.flush()
    return user


def end_sessions(user: StaffUser) -> None:
    """Every session of this account ends at its next request (see bot.staff.auth)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def set_password(session: Session, user: StaffUser, password: str) -> None:
    """A new password, and the sessions made with the old one end: whoever knew it is out."""
    check_password(password)
    user.password_hash = hash_password(password)
    end_sessions(user)
    session.flush()


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """The active account with this email and password, or None; records the login time.

    A hash made with older argon2 parameters is upgraded on the way, while the password is known.
    """
    user = find_staff(session, email) if email and len(password) <= MAX_PASSWORD_CHARS else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = datetime.now(UTC)
    session.flush()
    return user
