"""What an outbound message says, as BotMessages the channel senders render.

Three kinds of content:
- {"template": key, "params": {...}}: content/messages.yml, filled in;
- {"intent": name, "entities": {...}}: sent through the engine's external events
  (`trigger_intent`), so the tracker knows what the bot asked and the answer is understood in
  context (a follow-up's "no" means "I didn't make it");
- {"late": token}: a text that got the apology while the engine was down or slow, encrypted;
  it is now sent to the engine as the resident's message, and the answer goes back by text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from bot.gateway.engine import EngineTurn, EngineUnavailable
from bot.gateway.turns import BotMessage, from_engine
from bot.outbound.cipher import ContactCipher, UnreadableAddress
from bot.outbound.senders import SendFailed, TryLater
from bot.outbound.templates import MissingParam, Templates

LATE_KEY = "late"


class OutboundEngine(Protocol):
    async def send(self, sender_id: str, text: str, channel: str) -> EngineTurn: ...

    async def trigger(
        self, conversation_id: str, intent: str, entities: dict[str, Any] | None = None, channel: str = "web"
    ) -> list[dict[str, Any]]: ...


class Composer:
    def __init__(self, templates: Templates, engine: OutboundEngine | None, cipher: ContactCipher) -> None:
        self._templates = templates
        self._engine = engine
        self._cipher = cipher

    async def compose(
        self, conversation_id: str, channel: str, content: Mapping[str, Any]
    ) -> list[BotMessage]:
        if "template" in content:
            params = content.get("params") if isinstance(content.get("params"), dict) else {}
            try:
                return [self._templates.render(str(content["template"]), params or {}, channel)]
            except MissingParam as error:
                raise SendFailed(f"template: {error}") from error
        if "intent" in content:
            entities = content.get("entities") if isinstance(content.get("entities"), dict) else {}
            raw = await self._ask(
                self._engine_trigger(conversation_id, str(content["intent"]), entities, channel)
            )
            return self._replies(raw)
        if LATE_KEY in content:
            return await self._late(conversation_id, channel, content[LATE_KEY])
        raise SendFailed("unknown content")

    async def _engine_trigger(
        self, conversation_id: str, intent: str, entities: dict[str, Any] | None, channel: str
    ) -> list[dict[str, Any]]:
        if self._engine is None:
            raise TryLater("no engine configured")
        return await self._engine.trigger(conversation_id, intent, entities, channel)

    @staticmethod
    async def _ask(call: Any) -> list[dict[str, Any]]:
        try:
            result: list[dict[str, Any]] = await call
        except EngineUnavailable as error:
            raise TryLater("engine unavailable") from error
        return result

    @staticmethod
    def _replies(raw: list[dict[str, Any]]) -> list[BotMessage]:
        messages = from_engine(raw).messages
        if not messages:
            raise SendFailed("the engine gave no reply")
        return messages

    async def _late(self, conversation_id: str, channel: str, token: object) -> list[BotMessage]:
        if not isinstance(token, str) or self._engine is None:
            raise SendFailed("no late question kept") if not isinstance(token, str) else TryLater("no engine")
        try:
            text = self._cipher.decrypt(token)
        except UnreadableAddress as error:
            raise SendFailed("late question unreadable") from error
        try:
            turn = await self._engine.send(conversation_id, text, channel)
        except EngineUnavailable as error:
            raise TryLater("engine unavailable") from error
        intro = (
            self._templates.render("late_answer", {}, channel) if "late_answer" in self._templates else None
        )
        return ([intro] if intro else []) + self._replies(turn.messages)
