"""The audit log: who changed which listing, when, and what each field was before and after.

sqladmin reports each create, update and delete to an audit backend with the submitted form;
the views put the before-and-after of the fields that really changed on the request
(`remember_changes`), so the log says "phone: 0113 111 -> 0113 222" rather than a whole form.
Imports and "checked today" write their entries with `record` in the same transaction.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import anyio
from sqladmin.audit import AuditBackend
from sqladmin.audit import AuditEntry as AdminChange
from sqlalchemy.orm import Session
from starlette.requests import Request

from bot.db.models import AuditEntry
from bot.db.session import get_engine

# Never copied into the log, whatever a view sends.
_SECRET_FIELDS = frozenset({"password", "password_hash", "csrf_token"})
_SUMMARY_CHARS = 300


def plain(value: Any) -> Any:
    """A value the JSON column can hold, readable by a person."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return str(value)


def _blank_as_none(value: Any) -> Any:
    return None if value == "" or value == [] else value


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for each field whose value differs (empty text counts as no value)."""
    changes: dict[str, list[Any]] = {}
    for name, new in after.items():
        if name in _SECRET_FIELDS:
            continue
        old_plain, new_plain = _blank_as_none(plain(before.get(name))), _blank_as_none(plain(new))
        if old_plain != new_plain:
            changes[name] = [old_plain, new_plain]
    return changes


def remember_changes(request: Request, summary: str, changes: dict[str, list[Any]]) -> None:
    request.state.audit_summary = summary
    request.state.audit_changes = changes


def record(
    session: Session,
    staff_email: str,
    action: str,
    entity: str,
    entity_id: object | None,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        staff_email=staff_email,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id)[:40],
        summary=summary[:_SUMMARY_CHARS],
        changes=changes,
    )
    session.add(entry)
    return entry


class StaffAuditBackend(AuditBackend):
    """Writes sqladmin's changes to `audit_log`, signed with the staff member's email."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def _write(self, email: str, change: AdminChange, summary: str, changes: dict[str, Any] | None) -> None:
        with Session(get_engine(self.database_url)) as session:
            record(session, email, change.action, change.identity, change.pk, summary, changes)
            session.commit()

    async def log(self, entry: AdminChange, request: Request) -> None:
        staff = getattr(request.state, "staff", None)
        email = staff.email if staff is not None else "unknown"
        summary = getattr(request.state, "audit_summary", "") or f"{entry.action} {entry.identity}"
        changes = getattr(request.state, "audit_changes", None)
        if changes is None and entry.changes is not None:
            changes = {k: [None, plain(v)] for k, v in entry.changes.items() if k not in _SECRET_FIELDS}
        await anyio.to_thread.run_sync(self._write, email, entry, summary, changes)
