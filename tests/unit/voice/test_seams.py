"""bot/voice/ stays pure: the phone line's channel uses it, never the other way round."""

from __future__ import annotations

import ast
from pathlib import Path

VOICE = Path(__file__).resolve().parents[3] / "bot" / "voice"
ALLOWED = ("bot.voice", "bot.geo.postcodes", "phonenumbers")
STANDARD = ("__future__", "re", "unicodedata", "collections", "dataclasses", "datetime", "zoneinfo", "typing")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_voice_package_imports_no_channel_engine_database_or_http() -> None:
    files = sorted(VOICE.glob("*.py"))
    assert files
    for path in files:
        for name in _imports(path):
            assert name.split(".")[0] in STANDARD or name.startswith(ALLOWED), f"{path.name} imports {name}"
