"""What a channel sender is, and how a send can fail (bot/channels/*/outbound.py implement it).

A sender gets the decrypted address and the composed messages, sends them, and returns the
provider's id for the last one. It says how a failure should be treated by raising:
- Undeliverable: this person cannot be reached this way any more (Telegram 403, an invalid or
  unsubscribed number): the contact is stopped and everything pending for it cancelled;
- TryLater: the provider or the network failed (5xx, timeout): tried again after a pause;
- SendFailed: this message cannot be sent (a malformed message): failed, nothing else changes.
"""

from __future__ import annotations

from typing import Protocol

from bot.gateway.turns import BotMessage


class Undeliverable(Exception):
    """The address no longer reaches the person."""


class TryLater(Exception):
    """A passing failure: the message is retried with back-off."""


class SendFailed(Exception):
    """This message cannot be sent; other messages for the person are unaffected."""


class Sender(Protocol):
    channel: str

    async def send(self, address: str, messages: list[BotMessage]) -> str | None: ...

    async def aclose(self) -> None: ...
