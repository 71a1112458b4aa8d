"""Form pieces shared by the admin's views: the CSRF field, plain-English choices, validators.

sqladmin builds each form from the model; these replace the fields a member of staff would
otherwise meet as raw numbers or JSON (a weekday as 0-6, a list of areas as ["a", "b"]).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from markupsafe import Markup
from wtforms import Form, ValidationError

from bot.staff.csrf import hidden_input
from bot.venues import fields, rules

DAY_CHOICES: list[tuple[int | None, str]] = [
    (None, "No day"),
    *((number, name.title()) for number, name in enumerate(fields.DAYS)),
]
WEEK_CHOICES: list[tuple[int | None, str]] = [
    (None, "Not monthly"),
    (1, "First"),
    (2, "Second"),
    (3, "Third"),
    (4, "Fourth"),
    (-1, "Last"),
]


class StaffForm(Form):
    """Every admin form: sqladmin's template calls `hidden_tag()`, which adds the CSRF token."""

    def hidden_tag(self) -> Markup:
        hidden = "".join(str(field) for field in self if getattr(field.widget, "input_type", "") == "hidden")
        return Markup(hidden) + hidden_input()

    def add_error(self, name: str, message: str) -> bool:
        """Show `message` under the field `name`; returns False, for `ok = self.add_error(...)`."""
        field = getattr(self, name)
        field.errors = [*field.errors, message]
        return False


def optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


def enum_value(value: Any) -> str:
    return value.value if isinstance(value, enum.Enum) else str(value)


def enum_choices(kind: type[enum.Enum], label: Callable[[Any], str] | None = None) -> dict[str, Any]:
    """form_args for a select of an enum's values, shown by label, stored as the enum's value."""
    return {
        "choices": [(member.value, label(member) if label else member.value.title()) for member in kind],
        "coerce": enum_value,
    }


def list_text(value: Any) -> str:
    """A JSON list as staff type it: "Harehills | Gipton"."""
    if isinstance(value, (list, tuple)):
        return " | ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _by_rule(field: Any, rule: Callable[[str | None], str | None]) -> None:
    """Check the field with the rule the importers use; keep the value in its normal form."""
    try:
        field.data = rule(field.data)
    except ValueError as error:
        raise ValidationError(rules.sentence(str(error))) from None


def postcode_format(_form: Form, field: Any) -> None:
    """A full UK postcode, or nothing; stored in the normal form ("ls97bg" -> "LS9 7BG")."""
    _by_rule(field, rules.full_postcode)


def email_format(_form: Form, field: Any) -> None:
    _by_rule(field, rules.email)


def web_address(_form: Form, field: Any) -> None:
    text = (field.data or "").strip()
    if text and not text.startswith(("https://", "http://")):
        raise ValidationError("Give the full address, starting https://")
    field.data = text or None
