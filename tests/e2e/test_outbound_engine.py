"""The dispatcher's way into the real engine: Rasa 3.6's external events (trigger_intent).

A follow-up is sent as an intent, so the tracker records that the bot asked; these check the
request and answer shape against the running engine rather than against our reading of it.
"""

from __future__ import annotations

import uuid

import pytest

from bot.gateway.engine import EngineUnavailable, RasaEngine
from bot.gateway.turns import from_engine
from bot.stack import Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_triggered_intent_is_answered_by_the_real_engine(stack: Stack) -> None:
    token = getattr(stack, "engine_auth_token", None)  # an engine that asks for a token gets it
    engine = RasaEngine(stack.ports.engine_url, 30.0, **({"auth_token": token} if token else {}))
    conversation = f"outbound-{uuid.uuid4().hex}"
    try:
        raw = await engine.trigger(conversation, "greet", {}, "telegram")
        texts = [m.text for m in from_engine(raw).messages]
        assert any(text and text.startswith("Hello! I'm the Get Online chatbot") for text in texts), texts
        # The conversation goes on from there, in the same tracker.
        turn = await engine.send(conversation, "/help", "telegram")
        assert from_engine(turn.messages).messages
        with pytest.raises(EngineUnavailable):
            await engine.trigger(conversation, "no_such_intent_anywhere", {}, "telegram")
    finally:
        await engine.aclose()
