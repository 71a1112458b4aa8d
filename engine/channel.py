"""The engine's channel for the gateway: Rasa's REST webhook, plus what the message was understood as.

The gateway needs the intent and the knowledge-base topic of each message for the programme's
reports ("top questions", "messages not understood"). Asking the engine twice would double the
cost of a turn, so this channel parses the message once, hands that parse to the processor
(`UserMessage(parse_data=...)`, which then skips its own parse) and returns it with the replies.

The output channel is named after the resident's channel (web, telegram, sms, voice), so domain
responses can have channel variations (`channel: telegram`) and actions can read it from the
tracker (`get_latest_input_channel`).

Like Rasa's HTTP API (`rasa run --auth-token`), the webhook answers only a request that carries
ENGINE_AUTH_TOKEN as `?token=` (bot/gateway/engine.py sends it): nobody else on the network can
talk to the engine as any resident. Unset (Rasa's own tools, by hand), the webhook is open.
"""

from __future__ import annotations

import hmac
import logging
import os
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from engine import no_tensorflow, patches, states

logger = logging.getLogger(__name__)

CHANNELS = frozenset({"web", "telegram", "sms", "voice"})


class ChannelCollector(CollectingOutputChannel):
    """Collects the replies, under the name of the resident's channel."""

    def __init__(self, channel: str) -> None:
        super().__init__()
        self._channel = channel

    def name(self) -> str:  # type: ignore[override]
        return self._channel


def understood(parse_data: dict[str, Any]) -> dict[str, Any]:
    """The part of a parse the gateway keeps: intent, confidence, topic and entity names/values."""
    intent = parse_data.get("intent") or {}
    selector = (parse_data.get("response_selector") or {}).get("faq") or {}
    key = (selector.get("response") or {}).get("intent_response_key") or ""
    return {
        "intent": intent.get("name"),
        "confidence": float(intent.get("confidence") or 0.0),
        "topic": key.split("/", 1)[1] if intent.get("name") == "faq" and "/" in key else None,
        "entities": [
            {"entity": e.get("entity"), "value": e.get("value")} for e in parse_data.get("entities") or []
        ],
    }


def drop_cached(tracker_store: Any, sender: str) -> None:
    """After "forget me" the engine keeps no copy of the conversation in memory either."""
    store = getattr(tracker_store, "_tracker_store", tracker_store)  # Rasa's FailSafeTrackerStore
    if hasattr(store, "drop_cached"):
        store.drop_cached(sender)
    states.forget(sender)


def token_accepted(request: Request, expected: str | None) -> bool:
    if not expected:
        return True
    given = request.args.get("token") or ""
    return hmac.compare_digest(given.encode(), expected.encode())


class GatewayInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Rasa makes its channels first, before it loads the model or the stores: the engine's
        changes to Rasa (engine/patches.py) are applied here, or the engine refuses to start."""
        patches.apply()
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("gateway_webhook", __name__)
        expected = os.environ.get("ENGINE_AUTH_TOKEN") or None

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if not (expected and request.args.get("token") and token_accepted(request, expected)):
                return response.json({"status": "ok"})
            # To the token's holder only: the TensorFlow modules really imported in this process
            # ([] when started by `python -m engine`; tests/e2e/test_engine_memory.py asks).
            return response.json({"status": "ok", "tensorflow": no_tensorflow.real_tensorflow_loaded()})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not token_accepted(request, expected):
                return response.json({"error": "a valid token is required"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            sender, text = body.get("sender"), body.get("message")
            channel = body.get("channel") if body.get("channel") in CHANNELS else "web"
            if not isinstance(sender, str) or not sender or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            agent = request.app.ctx.agent
            collector = ChannelCollector(str(channel))
            try:
                parse_data = await agent.parse_message(text)
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender,
                        input_channel=channel,
                        parse_data=parse_data,
                        metadata=body.get("metadata") if isinstance(body.get("metadata"), dict) else None,
                    )
                )
            except CancelledError:
                logger.error("The turn for %s was cancelled (timeout).", sender)
                return response.json({"error": "timeout"}, status=503)
            except Exception:  # the gateway apologises to the resident; the log says why
                logger.exception("The turn for %s failed.", sender)
                return response.json({"error": "the turn failed"}, status=503)
            messages: list[dict[str, Any]] = collector.messages
            if any((m.get("custom") or {}).get("forget") is True for m in messages):
                drop_cached(agent.tracker_store, sender)
            return response.json({"messages": messages, **understood(parse_data)})

        return webhook

    def get_output_channel(self) -> CollectingOutputChannel | None:
        return None
