"""What the bot says, independent of channel: text plus optional buttons.

Domain functions return a Reply; the Rasa actions dispatch it, and each channel renders buttons
its own way (Telegram keyboards, numbered SMS options, web chat buttons).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class Pin:
    """A place on a map: a channel that shows map pins (Telegram) sends one per venue."""

    name: str
    address: str
    latitude: float
    longitude: float

    def as_dict(self) -> dict[str, str | float]:
        return {
            "name": self.name,
            "address": self.address,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = field(default=())
    pins: tuple[Pin, ...] = field(default=())

    def button_dicts(self) -> list[dict[str, str]]:
        return [button.as_dict() for button in self.buttons]


def intent_payload(intent: str, **entities: str) -> str:
    """A button payload that sends an intent (and entities) straight to the engine."""
    return f"/{intent}" + (json.dumps(entities) if entities else "")


FIND_HELP = Button("Find help near me", intent_payload("find_help"))
MENU = Button("Menu", intent_payload("help"))
ASK_QUESTION = Button("Ask a question", intent_payload("ask_question"))
TALK_TO_PERSON = Button("Talk to a person", intent_payload("human_handoff"))
# Issue 15: a call back from a Digital Champion (the form starts; bot/callbacks).
RING_ME_BACK = Button("Ring me back", intent_payload("request_callback"))
