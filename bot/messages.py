"""What the bot says to a resident, shared by the gateway and every channel.

The gateway turns the engine's answer into these; a channel renders them its own way (Telegram
keyboards and map pins, numbered SMS options, web chat buttons). Nothing here knows a channel or
the engine, so both sides import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.local import LocalInfo
from bot.replies import Pin

__all__ = ["BotMessage", "Pin", "Rendered", "apology", "offered_options"]


@dataclass(frozen=True)
class BotMessage:
    text: str | None
    buttons: list[dict[str, str]] = field(default_factory=list)
    # The engine asks where the resident is: a channel that can share a location offers it.
    request_location: bool = False
    venues: tuple[Pin, ...] = ()
    # The bot asks for a phone number (a call back): the phone line then takes a number keyed in,
    # many digits, not one key for an option. The number itself is checked by the gateway.
    asks_number: bool = False

    def as_rest(self, recipient_id: str) -> dict[str, Any]:
        message: dict[str, Any] = {"recipient_id": recipient_id}
        if self.text:
            message["text"] = self.text
        if self.buttons:
            message["buttons"] = self.buttons
        return message


@dataclass(frozen=True)
class Rendered:
    messages: list[BotMessage]
    forget: bool = False
    # {"consent": "..."}: the resident agreed to be messaged later (bot.outbound.desk).
    consent: str | None = None


def offered_options(replies: list[BotMessage]) -> list[dict[str, str]]:
    """Every option of a turn once, in order: "2" means the second of these (SMS numbers them so)."""
    seen: dict[str, dict[str, str]] = {}
    for reply in replies:
        for button in reply.buttons:
            seen.setdefault(button["payload"], button)
    return list(seen.values())


def apology(local: LocalInfo) -> BotMessage:
    """What a resident hears when part of the bot is down or slow: never silence, never a trace."""
    helpline = local.helpline
    return BotMessage(
        f"Sorry, I'm having a problem right now. Please try again in a minute, "
        f"or call {helpline.name} on {helpline.phone}."
    )


# What a sender refused by the flood limits (bot/flood_limits.py) is told.
SLOW_DOWN = (
    "You're sending messages faster than I can answer. Please wait for my reply, then send your next message."
)


def slow_down() -> BotMessage:
    """What a sender refused by the flood limits is told: no menu, so SMS numbering stays right."""
    return BotMessage(SLOW_DOWN)
