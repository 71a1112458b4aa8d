"""Assigning a missed message, undoing it, and what is left to assign: plain functions over a
session, for the admin's "Teach the bot" page.

A message can be taught only as the "not understood" report recorded it (already scrubbed by
bot.privacy.redact.scrub_for_report, and scrubbed again here, so a phone number or a postcode
can never reach the training data), once, and never when it is in the held-out test set or
already an example the model learns from.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from bot.db.models import TaughtMessage, UsageEvent, UsageKind
from bot.privacy.redact import scrub_for_report
from bot.teach.targets import Target
from bot.teach.taught_file import normalise


class Refused(ValueError):
    """A message that cannot be taught, said so that staff understand why."""


def was_missed(session: Session, text: str) -> bool:
    """The "not understood" report has this message (at any time)."""
    return bool(
        session.scalar(
            select(exists().where(UsageEvent.kind == UsageKind.NOT_UNDERSTOOD, UsageEvent.detail == text))
        )
    )


def assign(
    session: Session,
    text: str,
    target: Target,
    *,
    staff_email: str,
    now: datetime,
    held_out: Collection[str] = (),
    examples: Mapping[str, str] | None = None,
) -> TaughtMessage:
    """Record that `text` means `target` (or is noise). `held_out`: the held-out set, normalised;
    `examples`: the training examples the model already has, normalised, with their intent."""
    # The report's own text (scrubbed when the gateway recorded it), or what scrubbing makes
    # of text posted some other way: never anything the report does not already show.
    scrubbed = text if text and was_missed(session, text) else scrub_for_report(text)
    if not scrubbed or not was_missed(session, scrubbed):
        raise Refused("That message is not in the list of messages the bot did not understand.")
    key = normalise(scrubbed)
    if key in held_out:
        raise Refused(
            "That message is in the held-out test set, which measures how well the bot understands "
            "messages it was never taught: it cannot be taught. Mark it as noise to clear it."
        )
    earlier = session.scalars(select(TaughtMessage)).all()
    for row in earlier:
        if normalise(row.text) == key:
            raise Refused(f"That message was already assigned by {row.assigned_by}.")
    if examples and key in examples and target.name:
        raise Refused(f"The bot is already taught that message (as {examples[key]}).")
    row = TaughtMessage(
        text=scrubbed, kind=target.kind, target=target.name, assigned_by=staff_email, assigned_at=now
    )
    session.add(row)
    session.flush()
    return row


def undo(session: Session, taught_id: int) -> TaughtMessage | None:
    """Take an assignment back: the message is in the "not understood" list again."""
    row = session.get(TaughtMessage, taught_id)
    if row is not None:
        session.execute(delete(TaughtMessage).where(TaughtMessage.id == taught_id))
    return row


def all_taught(session: Session) -> list[TaughtMessage]:
    """Every assignment, newest first."""
    return list(
        session.scalars(
            select(TaughtMessage).order_by(TaughtMessage.assigned_at.desc(), TaughtMessage.id.desc())
        )
    )
