"""Pseudonymous conversation ids.

Phone numbers, Telegram ids and browser ids are replaced by a keyed hash before anything reaches
the engine, the logs or the database. The key (PSEUDONYM_SECRET) never leaves the gateway, so the
id cannot be turned back into a number, yet the same person keeps the same conversation.
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonymise(secret: str, channel: str, raw_id: str) -> str:
    digest = hmac.new(secret.encode(), f"{channel}:{raw_id}".encode(), hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:32]}"


def person_key(conversation_id: str) -> str:
    """The key the app's own tables (contacts, usage events) keep for a conversation.

    A one-way hash of the pseudonymous id, so those tables cannot be joined to the engine's
    conversation store by equality, yet "forget me" can still find every row of one person.
    """
    return hashlib.sha256(f"person:{conversation_id}".encode()).hexdigest()
