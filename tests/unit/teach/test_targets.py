"""Every intent of the engine's domain is either a target staff can teach or excluded with a
reason (bot.teach.targets), so a new intent cannot be forgotten nor an internal one taught."""

from __future__ import annotations

import yaml

from bot.settings import ROOT
from bot.teach.targets import EXTERNAL_PREFIX, NOT_TAUGHT, TEACHABLE_INTENTS


def domain_intents() -> set[str]:
    intents: set[str] = set()
    for path in (ROOT / "domain").glob("*.yml"):
        for intent in (yaml.safe_load(path.read_text()) or {}).get("intents", []) or []:
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    return intents


def test_every_domain_intent_is_a_target_or_excluded_with_a_reason() -> None:
    intents = {name for name in domain_intents() if not name.startswith(EXTERNAL_PREFIX)}
    assert set(TEACHABLE_INTENTS) <= intents, set(TEACHABLE_INTENTS) - intents
    assert not set(TEACHABLE_INTENTS) & set(NOT_TAUGHT)
    unclassified = intents - set(TEACHABLE_INTENTS) - set(NOT_TAUGHT)
    assert not unclassified, f"say whether staff may teach these: {sorted(unclassified)}"
