"""The wording of messages the bot starts, from content/messages.yml (staff-editable).

A template is rendered with the parameters given when the message was scheduled; a missing
parameter is an error of the scheduler (MissingParam), never a message with "{place}" in it.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.gateway.turns import BotMessage


class MissingParam(Exception):
    """The template needs a parameter the message does not carry."""


@dataclass(frozen=True)
class Template:
    text: str
    sms: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)

    def fields(self) -> set[str]:
        """The parameters the template uses."""
        names = set()
        for text in (self.text, self.sms or ""):
            names |= {name for _, name, _, _ in string.Formatter().parse(text) if name}
        return names


def _fill(text: str, params: Mapping[str, Any]) -> str:
    try:
        return text.format_map({key: str(value) for key, value in params.items()})
    except (KeyError, IndexError) as error:
        raise MissingParam(str(error)) from error


class Templates:
    def __init__(self, templates: Mapping[str, Template]) -> None:
        self._templates = dict(templates)

    @classmethod
    def load(cls, path: Path) -> Templates:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        templates = {}
        for key, value in raw.items():
            buttons = [
                {"title": str(b["title"]), "payload": str(b["payload"])} for b in value.get("buttons") or []
            ]
            templates[str(key)] = Template(str(value["text"]), value.get("sms"), buttons)
        return cls(templates)

    def __contains__(self, key: object) -> bool:
        return key in self._templates

    def __getitem__(self, key: str) -> Template:
        return self._templates[key]

    def keys(self) -> list[str]:
        return sorted(self._templates)

    def render(self, key: str, params: Mapping[str, Any], channel: str) -> BotMessage:
        """The message for this channel: the SMS wording (without buttons) on SMS when there is one."""
        if key not in self._templates:
            raise MissingParam(f"no template {key!r} in content/messages.yml")
        template = self._templates[key]
        if channel == "sms" and template.sms:
            return BotMessage(_fill(template.sms, params))
        return BotMessage(_fill(template.text, params), list(template.buttons))
