"""What every admin view shares: plain-English values, the CSRF-carrying form, audit hooks.

A view's `clean` checks what needs the database (a postcode that must be found, a name that
must be unique) and raises `Problem`, which sqladmin shows above the form; nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Sequence
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqladmin import ModelView
from sqladmin.formatters import empty_formatter
from starlette.requests import Request
from wtforms import Form
from wtforms.validators import InputRequired, Optional

from bot.admin.audit import changed_fields, remember_changes
from bot.admin.forms import StaffForm
from bot.geo.postcodes_io import PostcodeGeocoder


class Problem(ValueError):
    """A change that cannot be saved, said so that staff can put it right."""


class _QuietProblems(logging.Filter):
    """sqladmin logs every failed save with a traceback; a `Problem` is not an error of ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], Problem))


logging.getLogger("sqladmin.application").addFilter(_QuietProblems())


def yes_no(value: bool) -> Markup:
    return Markup("Yes") if value else Markup("No")


def a_date(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


LONDON = ZoneInfo("Europe/London")


def a_datetime(value: dt.datetime) -> str:
    """In UK time (stored in UTC; SQLite hands it back without its zone)."""
    local = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(LONDON)
    return f"{local.day} {local:%b %Y %H:%M}"


def an_enum(value: enum.Enum) -> str:
    return str(getattr(value, "label", value.value))


def a_list(value: list[Any]) -> str:
    return ", ".join(str(item) for item in value)


# Readable values in lists and detail pages: "Yes" not an icon, "3 Feb 2026" not an ISO stamp.
FORMATTERS: dict[type, Callable[[Any], Any]] = {
    type(None): empty_formatter,
    bool: yes_no,
    dt.date: a_date,
    dt.datetime: a_datetime,
    list: a_list,
    enum.Enum: an_enum,
}


class StaffView(ModelView):
    """Base of every admin model view (not registered itself: it has no model)."""

    # The database this admin works on (set per admin by bot.admin.site.build_admin).
    database_url: ClassVar[str] = ""
    # postcodes.io for postcodes Code-Point lacks (None: offline only); the gateway owns and closes it.
    geocoder: ClassVar[PostcodeGeocoder | None] = None
    form_base_class: ClassVar[type[Form]] = StaffForm
    page_size = 25
    page_size_options = [25, 50, 100]
    can_export = False
    search_auto_submit = False
    column_type_formatters = FORMATTERS
    column_type_formatters_detail = FORMATTERS
    # Fields the model requires but the form may leave empty (filled in by `clean`).
    optional_fields: ClassVar[Sequence[str]] = ()
    # Relationship fields of the form and the foreign-key column each one sets, for the audit.
    audit_relations: ClassVar[dict[str, str]] = {}

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        form = await super().scaffold_form(rules)
        for name in self.optional_fields:
            unbound = getattr(form, name, None)
            validators = getattr(unbound, "kwargs", {}).get("validators")
            if unbound is not None and validators is not None:
                kept = [v for v in validators if not isinstance(v, (InputRequired, Optional))]
                unbound.kwargs["validators"] = [Optional(), *kept]
        return form

    async def clean(self, data: dict[str, Any], model: Any, is_created: bool, request: Request) -> None:
        """Check and complete `data` before it is saved; raise Problem to refuse it."""

    def audit_label(self, data: dict[str, Any], model: Any) -> str:
        return str(data.get("name") or data.get("title") or model)

    def _before(self, model: Any, names: Sequence[str]) -> dict[str, Any]:
        return {name: getattr(model, self.audit_relations.get(name, name), None) for name in names}

    def _after(self, data: dict[str, Any]) -> dict[str, Any]:
        after = dict(data)
        for name in self.audit_relations:
            if name in after:
                value = after[name]
                after[name] = int(value) if value not in (None, "", "__None") else None
        return after

    async def on_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        await self.clean(data, model, is_created, request)
        after = self._after(data)
        before = {} if is_created else self._before(model, list(after))
        changes = changed_fields(before, after)
        if is_created:  # a new listing: its filled-in fields, not every "no"
            changes = {name: change for name, change in changes.items() if change[1] is not False}
        label = self.audit_label(data, model)
        if is_created:
            summary = f"Added {self.name.lower()} '{label}'"
        else:
            summary = f"Changed {self.name.lower()} '{label}': {', '.join(changes) or 'nothing'}"
        remember_changes(request, summary, changes)

    async def on_model_delete(self, model: Any, request: Request) -> None:
        remember_changes(request, f"Deleted {self.name.lower()} '{model}'", {})
