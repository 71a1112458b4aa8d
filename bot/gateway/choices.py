"""A typed "2" or "More" means the option offered last; a typed payload must have been offered.

Residents on SMS cannot press buttons, and many on other channels type the option instead of
tapping it: a reply that is an option's number or its exact title is sent as that option. The
options offered last are kept per conversation in the gateway's state (bot/gateway/state.py).

The payloads that carry entities or answer the bot's own question (bot/gateway/text.py,
`needs_offer`) are also kept, the last few dozen offered to this person, for a day: the web
chat sends a pressed button's payload as text, and an older button on the page may be pressed.
"""

from __future__ import annotations

import json
import re

from bot.gateway.state import SharedState
from bot.gateway.text import clean, needs_offer, safe_for_engine

RECENT_PAYLOADS = 50


def offered_key(conversation_id: str) -> str:
    return f"offered:{conversation_id}"


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def resolve(buttons: list[dict[str, str]], text: str) -> str | None:
    """The payload of the option the text names, or None when it names none."""
    wanted = _key(text)
    if wanted.isdigit() and 1 <= int(wanted) <= len(buttons):
        return buttons[int(wanted) - 1]["payload"]
    for button in buttons:
        if wanted and _key(button["title"]) == wanted:
            return button["payload"]
    return None


async def remember(state: SharedState, conversation_id: str, buttons: list[dict[str, str]]) -> None:
    """The options offered now (for a typed "2") and, among the recent payloads, those that need it."""
    await state.remember_options(conversation_id, buttons)
    payloads = [clean(button["payload"]) for button in buttons if needs_offer(button["payload"])]
    if payloads:
        key = offered_key(conversation_id)
        recent = json.loads(await state.get(key) or "[]")
        await state.put(key, json.dumps(list(dict.fromkeys([*payloads, *recent]))[:RECENT_PAYLOADS]))


async def typed_command(
    state: SharedState, conversation_id: str, text: str, allowed_intents: frozenset[str]
) -> str:
    """What the engine gets for a typed message that names no option: see bot/gateway/text.py."""
    offered: list[str] = []
    if text.startswith("/") and needs_offer(text):
        offered = json.loads(await state.get(offered_key(conversation_id)) or "[]")
    return safe_for_engine(text, allowed_intents, offered)
