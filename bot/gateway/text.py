"""Cleaning what residents type before the engine sees it."""

from __future__ import annotations

import json
import re

from bot.plain_text import clean, is_text

__all__ = ["clean", "is_text", "safe_for_engine"]

_INTENT_PAYLOAD = re.compile(r"^/([a-z_]+)(\{.*\})?$", re.DOTALL)
# Entities a button may carry. Others (a referral code, shared coordinates) are only ever set
# by the gateway itself, so nobody can type their way into the referral report.
BUTTON_ENTITIES = frozenset({"faq_topic", "need", "place", "postcode"})


def _entities_allowed(payload: str | None) -> bool:
    if not payload:
        return True
    try:
        entities = json.loads(payload)
    except ValueError:
        return False
    return isinstance(entities, dict) and set(entities) <= BUTTON_ENTITIES


def safe_for_engine(text: str, allowed_intents: frozenset[str]) -> str:
    """Rasa treats "/intent{...}" as a command. Only the intents (and entities) a button could
    send pass as commands; anything else starting with "/" is handed over as ordinary words."""
    match = _INTENT_PAYLOAD.match(text)
    if match and match.group(1) in allowed_intents and _entities_allowed(match.group(2)):
        return text
    return text.lstrip("/").strip() if text.startswith("/") else text
