"""Channels are adapters: they talk to the bot through the port they are given, nothing else."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.channels.port import ConversationPort
from bot.gateway.turns import Conversations
from bot.settings import ROOT

CHANNELS = ROOT / "bot" / "channels"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_channel_imports_the_gateway() -> None:
    files = sorted(CHANNELS.rglob("*.py"))
    assert len(files) > 10  # the channels are there to check
    offending = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.startswith("bot.gateway"))
        for path in files
    }
    assert {path: modules for path, modules in offending.items() if modules} == {}


def test_the_gateway_s_conversations_offer_everything_the_port_promises() -> None:
    promised = {
        name for name in dir(ConversationPort) if not name.startswith("_") and name not in dir(object)
    }
    assert promised >= {"turn", "start", "location", "apology", "keeps", "remember", "recall"}
    assert sorted(name for name in promised if not hasattr(Conversations, name)) == []


def test_the_gateway_s_state_knows_no_channel_s_keys() -> None:
    state = (ROOT / "bot" / "gateway" / "state.py").read_text(encoding="utf-8")
    assert "telegram:" not in state and "keyboard" not in state
