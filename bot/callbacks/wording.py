"""The call-back wording from content/callbacks.yml (staff-editable), filled with local details."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.local import LocalInfo

FILE = "callbacks.yml"


@dataclass(frozen=True)
class Wording:
    texts: dict[str, Any]
    local: LocalInfo
    retention_days: int = 90

    def __call__(self, key: str, **params: object) -> str:
        """A text with {days}, {prefix}, {helpline}, {helpline_phone}, {retention} filled in."""
        values: dict[str, object] = {
            "days": self.local.callbacks.within_working_days,
            "prefix": self.local.callbacks.calls_from_prefix,
            "helpline": self.local.helpline.name,
            "helpline_phone": self.local.helpline.phone,
            "retention": self.retention_days,
            "and_name": "",
            **params,
        }
        return " ".join(str(self.texts[key]).split()).format_map(values)

    def topics(self) -> list[str]:
        return [str(topic) for topic in self.texts.get("topics") or []]

    def times(self) -> dict[str, str]:
        return {str(key): str(title) for key, title in (self.texts.get("times") or {}).items()}

    def sources(self) -> list[dict[str, Any]]:
        return list(self.texts.get("sources") or [])


@lru_cache(maxsize=4)
def _texts(path: Path, mtime: float) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(loaded)


def load_wording(content_dir: Path, local: LocalInfo, retention_days: int) -> Wording:
    """Read again when staff edit the file (keyed on its modification time)."""
    path = content_dir / FILE
    return Wording(_texts(path, path.stat().st_mtime), local, retention_days)
