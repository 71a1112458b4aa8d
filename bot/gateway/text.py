"""Cleaning what residents type before the engine sees it."""

from __future__ import annotations

import json
import re
import unicodedata

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# Half of a UTF-16 pair on its own ("\ud800" in JSON): not a character, and not encodable as
# UTF-8, so nothing after the gateway could store or send it.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_INTENT_PAYLOAD = re.compile(r"^/([a-z_]+)(\{.*\})?$", re.DOTALL)
# Entities a button may carry. Others (a referral code, shared coordinates) are only ever set
# by the gateway itself, so nobody can type their way into the referral report.
BUTTON_ENTITIES = frozenset({"faq_topic", "need", "place", "postcode"})


def clean(text: str) -> str:
    """NFC, no control or bidi-override characters or lone surrogates, single spaces. Newlines
    become spaces."""
    text = _SURROGATE.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def is_text(value: object) -> bool:
    """A string that can be encoded (no lone surrogates): safe to hash, store or send."""
    return isinstance(value, str) and not _SURROGATE.search(value)


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
