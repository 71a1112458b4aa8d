"""Cleaning what residents type before the engine sees it.

Rasa takes a message like `/intent{"entity": "value"}` as that intent, skipping the NLU: it is
how buttons speak (and the web chat sends a pressed button's payload as the message). Typed by
hand, such a command passes only when it is a payload the bot offered this person recently
(bot/gateway/choices.py keeps them), or a harmless intent with no entities, one the NLU could
have found in words anyway ("/help"). Anything else is handed over as ordinary words: typing
`/forget_confirm` does not skip the "this can't be undone" question, and a typed
`/ask_topic{"faq_topic": "..."}` cannot put made-up topics in the reports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection

from bot.plain_text import clean, is_text

__all__ = ["clean", "is_text", "safe_for_engine"]

_INTENT_PAYLOAD = re.compile(r"^/([a-z_]+)(\{.*\})?$", re.DOTALL)
# Entities a button may carry. Others (a referral code, shared coordinates) are only ever set
# by the gateway itself, so nobody can type their way into the referral report.
BUTTON_ENTITIES = frozenset(
    {
        "faq_topic",
        "need",
        "place",
        "postcode",
        # Closing the loop: which listed session ("2"), and "Yes, and 2 hours before" (bot/loop).
        "listed_number",
        "reminder_soon",
    }
)
# Intents that only mean something as the answer to the bot's own question.
ONLY_WHEN_OFFERED = frozenset({"forget_confirm"})


def _entities_allowed(payload: str | None) -> bool:
    if not payload:
        return True
    try:
        entities = json.loads(payload)
    except ValueError:
        return False
    return isinstance(entities, dict) and set(entities) <= BUTTON_ENTITIES


def needs_offer(payload: str) -> bool:
    """A button payload that passes as a command only when it was offered (see the module)."""
    match = _INTENT_PAYLOAD.match(payload)
    return match is not None and (bool(match.group(2)) or match.group(1) in ONLY_WHEN_OFFERED)


def safe_for_engine(text: str, allowed_intents: frozenset[str], offered: Collection[str] = ()) -> str:
    """Rasa treats "/intent{...}" as a command. Only the intents (and entities) a button could
    send pass as commands, and those that need it only when `offered` recently; anything else
    starting with "/" is handed over as ordinary words."""
    match = _INTENT_PAYLOAD.match(text)
    allowed = match is not None and match.group(1) in allowed_intents and _entities_allowed(match.group(2))
    if allowed and (not needs_offer(text) or text in offered):
        return text
    return text.lstrip("/").strip() if text.startswith("/") else text
