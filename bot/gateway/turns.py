"""One conversation turn, the same for every channel.

The channel hands over who wrote (its own raw id) and what they wrote; this module pseudonymises
the sender, cleans the text, maps a typed option back to its button, asks the engine, and always
returns something to say: an engine that is down or slow gets a short apology with the helpline,
never silence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.gateway.choices import ChoiceMemory
from bot.gateway.engine import Engine, EngineUnavailable
from bot.gateway.text import clean, safe_for_engine
from bot.local import LocalInfo
from bot.pseudonym import pseudonymise
from bot.replies import MENU

logger = logging.getLogger(__name__)

# Intents a button may send as a command ("/find_help"); see domain/core.yml.
BUTTON_INTENTS = frozenset(
    {
        "greet",
        "help",
        "find_help",
        "start_confidence_check",
        "ask_question",
        "ask_topic",
        "more_detail",
        "more_results",
        "human_handoff",
        "goodbye",
        "affirm",
        "deny",
        "inform",
    }
)


@dataclass(frozen=True)
class BotMessage:
    text: str | None
    buttons: list[dict[str, str]]

    def as_rest(self, recipient_id: str) -> dict[str, Any]:
        message: dict[str, Any] = {"recipient_id": recipient_id}
        if self.text:
            message["text"] = self.text
        if self.buttons:
            message["buttons"] = self.buttons
        return message


class Conversations:
    def __init__(self, engine: Engine, secret: str, local: LocalInfo, max_message_chars: int = 1000) -> None:
        self._engine = engine
        self._secret = secret
        self._local = local
        self._max_chars = max_message_chars
        self._choices = ChoiceMemory()

    def conversation_id(self, channel: str, raw_sender: str) -> str:
        return pseudonymise(self._secret, channel, raw_sender)

    async def turn(self, channel: str, raw_sender: str, text: str) -> list[BotMessage]:
        conversation = self.conversation_id(channel, raw_sender)
        cleaned = clean(text)
        if not cleaned:
            return [BotMessage("Please type a message, or choose an option.", self._menu_buttons())]
        if len(cleaned) > self._max_chars:
            return [
                BotMessage(
                    "That message is too long for me. Please send your question in a few words.",
                    self._menu_buttons(),
                )
            ]
        message = self._choices.resolve(conversation, cleaned) or safe_for_engine(cleaned, BUTTON_INTENTS)
        try:
            raw = await self._engine.send(conversation, message)
        except EngineUnavailable as error:
            logger.warning("engine unavailable for %s: %s", conversation, error)
            return [self._apology()]
        replies = [
            BotMessage(m.get("text"), [b for b in m.get("buttons") or [] if "title" in b and "payload" in b])
            for m in raw
            if m.get("text") or m.get("buttons")
        ]
        if not replies:
            logger.warning("engine gave no reply for %s", conversation)
            return [self._apology()]
        offered = [button for reply in replies for button in reply.buttons]
        self._choices.remember(conversation, offered)
        return replies

    def _apology(self) -> BotMessage:
        helpline = self._local.helpline
        return BotMessage(
            f"Sorry, I'm having a problem right now. Please try again in a minute, "
            f"or call {helpline.name} on {helpline.phone}.",
            [],
        )

    @staticmethod
    def _menu_buttons() -> list[dict[str, str]]:
        return [MENU.as_dict()]
