"""What an outbound message says: a template, an engine intent, or a late answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from bot.gateway.engine import EngineTurn, EngineUnavailable, RasaEngine
from bot.outbound import ContactCipher
from bot.outbound.compose import Composer
from bot.outbound.senders import SendFailed, TryLater
from bot.outbound.templates import Templates
from bot.settings import ROOT

TEMPLATES = Templates.load(ROOT / "content" / "messages.yml")
FOLLOWUP: list[dict[str, Any]] = [
    {"recipient_id": "c1", "text": "Did you make it to Get online drop-in?"},
    {
        "recipient_id": "c1",
        "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
    },
]


@dataclass
class StubEngine:
    up: bool = True
    triggered: list[tuple[str, str, dict[str, Any] | None, str]] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    async def send(self, sender_id: str, text: str, channel: str) -> EngineTurn:
        if not self.up:
            raise EngineUnavailable("down")
        self.sent.append(text)
        return EngineTurn([{"text": "Here is the answer."}])

    async def trigger(
        self, conversation_id: str, intent: str, entities: dict[str, Any] | None = None, channel: str = "web"
    ) -> list[dict[str, Any]]:
        if not self.up:
            raise EngineUnavailable("down")
        self.triggered.append((conversation_id, intent, entities, channel))
        return FOLLOWUP


async def test_an_intent_goes_through_the_engine_and_its_replies_are_the_message(
    cipher: ContactCipher,
) -> None:
    engine = StubEngine()
    composer = Composer(TEMPLATES, engine, cipher)
    content = {"intent": "session_followup", "entities": {"booking": "42"}}
    messages = await composer.compose("c1", "telegram", content)
    assert messages[0].text == "Did you make it to Get online drop-in?"
    assert [b["title"] for m in messages for b in m.buttons] == ["Yes", "No"]
    assert engine.triggered == [("c1", "session_followup", {"booking": "42"}, "telegram")]


async def test_an_engine_that_is_down_means_try_later(cipher: ContactCipher) -> None:
    composer = Composer(TEMPLATES, StubEngine(up=False), cipher)
    with pytest.raises(TryLater):
        await composer.compose("c1", "sms", {"intent": "session_followup"})
    with pytest.raises(TryLater):
        await composer.compose("c1", "sms", {"late": cipher.encrypt("where is help")})


async def test_a_late_answer_is_the_engines_answer_to_the_kept_text(cipher: ContactCipher) -> None:
    engine = StubEngine()
    messages = await Composer(TEMPLATES, engine, cipher).compose(
        "c1", "sms", {"late": cipher.encrypt("where")}
    )
    assert [m.text for m in messages] == [
        "Sorry for the wait. Here is my answer to your last message:",
        "Here is the answer.",
    ]
    assert engine.sent == ["where"]


async def test_content_that_cannot_be_composed_fails_that_message_only(cipher: ContactCipher) -> None:
    composer = Composer(TEMPLATES, StubEngine(), cipher)
    for content in ({"template": "reminder", "params": {}}, {"something": 1}, {"late": "not a token"}):
        with pytest.raises(SendFailed):
            await composer.compose("c1", "sms", content)


async def test_trigger_posts_rasas_external_event_and_reads_the_messages() -> None:
    """The request and answer of Rasa 3.6's POST /conversations/{id}/trigger_intent (rasa/server.py)."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"tracker": {"sender_id": "c/1"}, "messages": FOLLOWUP})

    engine = RasaEngine("http://engine", 2.0)
    engine._clients = [httpx.AsyncClient(base_url="http://engine", transport=httpx.MockTransport(answer))]
    messages = await engine.trigger("c/1", "session_followup", {"booking": "42"}, "sms")
    assert messages == FOLLOWUP
    [request] = seen
    assert request.url.raw_path.startswith(b"/conversations/c%2F1/trigger_intent?")
    assert request.url.params["include_events"] == "NONE"
    assert request.read() == b'{"name":"session_followup","entities":{"booking":"42"}}'
    await engine.aclose()


async def test_trigger_of_an_unknown_intent_or_a_down_engine_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"status": "failure", "reason": "NotFound"})

    engine = RasaEngine("http://engine", 2.0)
    engine._clients = [httpx.AsyncClient(base_url="http://engine", transport=httpx.MockTransport(refuse))]
    with pytest.raises(EngineUnavailable):
        await engine.trigger("c1", "nope")
    await engine.aclose()
