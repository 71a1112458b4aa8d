"""What a text that got the apology would have said to the engine, for its late answer.

The same steps as a turn (bot/gateway/turns.py): cleaned, bank details and contact details
taken out, a typed option number mapped to its option, a command-looking text made safe. What
cannot be answered (empty, too long, only removed details) is not kept.
"""

from __future__ import annotations

from bot.gateway.choices import resolve
from bot.gateway.state import SharedState
from bot.gateway.text import clean, safe_for_engine
from bot.gateway.turns import BUTTON_INTENTS, BotMessage, Conversations
from bot.local import LocalInfo
from bot.privacy.redact import only_removed, redact_sensitive, without_contact_details


async def engine_text(
    state: SharedState, conversation_id: str, text: str, max_chars: int = 1000
) -> str | None:
    cleaned = clean(text)
    if not cleaned or len(cleaned) > max_chars:
        return None
    redacted, removed = redact_sensitive(cleaned)
    redacted = without_contact_details(redacted)
    if removed and only_removed(redacted):
        return None
    try:
        chosen = resolve(await state.options(conversation_id), redacted)
    except Exception:  # the shared state is down: the words themselves still mean something
        chosen = None
    return chosen or safe_for_engine(redacted, BUTTON_INTENTS)


def late_apology(local: LocalInfo) -> BotMessage:
    """The apology when the text is kept: the answer will follow, so no "try again"."""
    helpline = local.helpline
    return BotMessage(
        "Sorry, I'm having a problem right now. I'll text you my answer as soon as I can. "
        f"If it's urgent, call {helpline.name} on {helpline.phone}."
    )


async def keep_for_late_answer(
    conversations: Conversations, conversation_id: str, number: str, text: str
) -> bool:
    """After the apology: keep the text (redacted, encrypted) until the engine can answer it."""
    desk = conversations.outbound
    if desk is None:
        return False
    message = await engine_text(conversations.state, conversation_id, text)
    if message is None:
        return False
    return await desk.keep_late_answer(conversation_id, number, message)
