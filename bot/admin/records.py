"""Views of the staff's own records: accounts (admins only) and the audit log (read only).

Accounts are created with `python -m bot add-staff`; here an admin changes a role or
deactivates an account, never their own (so the last admin cannot lock everyone out).
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup, escape
from sqladmin.filters import AllUniqueStringValuesFilter, StaticValuesFilter
from starlette.requests import Request
from wtforms import SelectField

from bot.admin.base import Problem, StaffView
from bot.admin.forms import enum_choices
from bot.db.models import AuditEntry, StaffRole, StaffUser

ADMIN_ONLY = frozenset({"staff-user"})


class StaffUserView(StaffView, model=StaffUser):
    name = "Staff account"
    name_plural = "Staff accounts"
    icon = "fa-solid fa-user-lock"
    category = "Records"
    can_create = False
    can_delete = False
    column_list = [
        StaffUser.email,
        StaffUser.role,
        StaffUser.organisation,
        StaffUser.active,
        StaffUser.last_login_at,
    ]
    column_details_list = [
        StaffUser.email,
        StaffUser.role,
        StaffUser.organisation,
        StaffUser.active,
        StaffUser.created_at,
        StaffUser.last_login_at,
    ]
    column_labels = {
        "email": "Email",
        "role": "Role",
        "organisation": "Organisation",
        "active": "Can log in",
        "last_login_at": "Last login",
    }
    column_searchable_list = [StaffUser.email]
    column_filters = [
        StaticValuesFilter(StaffUser.role, [(r.value, r.value.title()) for r in StaffRole], title="Role")
    ]
    form_columns = [StaffUser.role, StaffUser.organisation, StaffUser.active]
    form_overrides = {"role": SelectField}
    form_args = {
        "role": {
            **enum_choices(StaffRole),
            "description": (
                "Admin: also manages staff accounts and may delete listings. Editor: keeps the listings."
            ),
        },
        "active": {"description": "Untick to stop this person logging in (their changes stay in the log)."},
        "organisation": {
            "description": (
                "A champion or editor sees only the call-back requests assigned to this organisation."
            )
        },
    }

    def audit_label(self, data: dict[str, Any], model: Any) -> str:
        return str(model.email)

    async def clean(self, data: dict[str, Any], model: Any, is_created: bool, request: Request) -> None:
        data["role"] = StaffRole(data["role"])
        staff = request.state.staff
        if model.id == staff.id and (data["role"] is not StaffRole.ADMIN or not data.get("active")):
            raise Problem("You cannot remove your own admin role or your own access: ask another admin.")
        if model.active and not data.get("active"):
            data["session_epoch"] = (model.session_epoch or 0) + 1  # logged out everywhere, for good


def changes_table(model: AuditEntry, _attribute: str) -> Markup:
    """The before and after of each changed field, as a small table."""
    changes = model.changes or {}
    if not changes:
        return Markup("")
    rows = []
    for name, change in changes.items():
        old, new = change if isinstance(change, list) and len(change) == 2 else (None, change)
        cells = f"<td>{escape(_show(old))}</td><td>{escape(_show(new))}</td>"
        rows.append(f"<tr><th scope='row'>{escape(name)}</th>{cells}</tr>")
    head = (
        "<thead><tr><th scope='col'>Field</th><th scope='col'>Before</th>"
        "<th scope='col'>After</th></tr></thead>"
    )
    return Markup(f"<table class='table table-sm audit-changes'>{head}<tbody>{''.join(rows)}</tbody></table>")


def _show(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class AuditView(StaffView, model=AuditEntry):
    name = "Change"
    name_plural = "Audit log"
    icon = "fa-solid fa-clock-rotate-left"
    category = "Records"
    can_create = False
    can_edit = False
    can_delete = False
    column_list = [
        AuditEntry.at,
        AuditEntry.staff_email,
        AuditEntry.action,
        AuditEntry.entity,
        AuditEntry.summary,
    ]
    column_details_list = [
        AuditEntry.at,
        AuditEntry.staff_email,
        AuditEntry.action,
        AuditEntry.entity,
        AuditEntry.entity_id,
        AuditEntry.summary,
        AuditEntry.changes,
    ]
    column_labels = {
        "at": "When",
        "staff_email": "Who",
        "action": "What",
        "entity": "Kind",
        "entity_id": "Number",
        "summary": "Summary",
        "changes": "Changes",
    }
    column_formatters_detail = {"changes": changes_table}
    column_searchable_list = [AuditEntry.staff_email, AuditEntry.summary, AuditEntry.entity_id]
    column_sortable_list = [AuditEntry.at, AuditEntry.staff_email]
    column_default_sort = [(AuditEntry.at, True), (AuditEntry.id, True)]
    column_filters = [
        AllUniqueStringValuesFilter(AuditEntry.entity, title="Kind"),
        AllUniqueStringValuesFilter(AuditEntry.action, title="What"),
        AllUniqueStringValuesFilter(AuditEntry.staff_email, title="Who"),
    ]
