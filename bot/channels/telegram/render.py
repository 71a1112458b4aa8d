"""The engine's replies as Telegram messages: pure functions, so every rule is tested offline.

Decisions, for Telegram to feel native and stay safe:
- Options are an inline keyboard under the message, one button per row (large tap targets, and
  a title is never cut short). A button carries its payload as callback data when it fits in
  Telegram's 64 bytes; a longer one carries a short hash, and the payload waits in the gateway's
  shared state (`Plan.long_payloads`).
- When the engine asks where the resident is, the question comes with a reply keyboard: "Share
  my location" (Telegram sends the phone's location) and the options as plain titles (the
  gateway maps a typed title to its option). It is taken away again (ReplyKeyboardRemove) with
  the first later message that has no other keyboard, so it never lingers over the chat.
- Text is sent as plain text, never with a parse mode, so nothing in it (`<b>`, `*_[`) can be
  read as formatting or break a message: it arrives exactly as written.
- Text over Telegram's limit (4096 UTF-16 code units) is split at paragraphs, then lines, then
  spaces; the keyboard goes with the last part.
- Search results bring one map pin (the nearest place), not one per place: cheap phones and
  small data plans. The keyboard then goes under the pin, so the options stay at the bottom.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.messages import BotMessage, Pin

TEXT_LIMIT = 4096
CALLBACK_DATA_BYTES = 64
# Callback data that starts with this is a key to a payload kept in the shared state.
STORED_MARK = "#"
SHARE_LOCATION = "Share my location"
LOCATION_PLACEHOLDER = "Your postcode, or Share my location"
# Said with buttons that came without text (Telegram cannot send buttons alone).
CHOOSE = "Choose an option:"

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True)
class SendText:
    text: str
    markup: Markup | None = None


@dataclass(frozen=True)
class SendVenue:
    pin: Pin
    markup: Markup | None = None

    @property
    def address(self) -> str:
        """Telegram requires an address; a venue without one shows its name twice rather than fail."""
        return self.pin.address or self.pin.name


Send = SendText | SendVenue


@dataclass(frozen=True)
class Plan:
    sends: list[Send]
    # Callback data -> payload, for buttons whose payload is too long to ride on the button.
    long_payloads: dict[str, str] = field(default_factory=dict)
    # Whether the "Share my location" keyboard is still up after these messages.
    keyboard_shown: bool = False


def utf16_len(text: str) -> int:
    """Telegram counts a message's length in UTF-16 code units (an emoji can count as two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """The text in parts of at most `limit`, cut at the largest boundary that makes them fit."""
    text = text.strip()
    if not text:
        return []
    if utf16_len(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", " "):
        parts = text.split(separator)
        if len(parts) == 1:
            continue
        chunks: list[str] = []
        current = ""
        for part in parts:
            candidate = f"{current}{separator}{part}" if current else part
            if utf16_len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    chunks.append(current)
                current = part
        chunks.append(current)
        # Every chunk is shorter than the text, so this ends; a part still too long is cut finer.
        return [piece for chunk in chunks for piece in split_text(chunk, limit)]
    return _cut(text, limit)


def _cut(text: str, limit: int) -> list[str]:
    """A word longer than a message: cut between characters, never inside one."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = utf16_len(char)
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    chunks.append("".join(current))
    return chunks


def callback_data(payload: str) -> str:
    """What a button carries: its payload when that fits in 64 bytes, else a key to it."""
    if len(payload.encode()) <= CALLBACK_DATA_BYTES and not payload.startswith(STORED_MARK):
        return payload
    return STORED_MARK + hashlib.sha256(payload.encode()).hexdigest()[:40]


def inline_keyboard(buttons: list[dict[str, str]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["title"], callback_data=callback_data(b["payload"]))] for b in buttons]
    )


def location_keyboard(buttons: list[dict[str, str]]) -> ReplyKeyboardMarkup:
    rows = [[KeyboardButton(SHARE_LOCATION, request_location=True)]]
    rows += [[KeyboardButton(b["title"])] for b in buttons]
    return ReplyKeyboardMarkup(
        rows, resize_keyboard=True, one_time_keyboard=True, input_field_placeholder=LOCATION_PLACEHOLDER
    )


def _message_sends(message: BotMessage) -> list[Send]:
    chunks = split_text(message.text or "")
    if not chunks and (message.buttons or message.request_location):
        chunks = [CHOOSE]
    if message.request_location:
        return [*(SendText(c) for c in chunks[:-1]), SendText(chunks[-1], location_keyboard(message.buttons))]
    keyboard = inline_keyboard(message.buttons)
    if message.venues:
        return [*(SendText(c) for c in chunks), SendVenue(message.venues[0], keyboard)]
    sends: list[Send] = [SendText(c) for c in chunks]
    if sends and keyboard is not None:
        sends[-1] = SendText(chunks[-1], keyboard)
    return sends


def plan_replies(messages: list[BotMessage], keyboard_shown: bool = False) -> Plan:
    """The Bot API calls for one turn's replies; `keyboard_shown`: the location keyboard is up."""
    sends = [send for message in messages for send in _message_sends(message)]
    long_payloads = {
        callback_data(b["payload"]): b["payload"]
        for message in messages
        if not message.request_location
        for b in message.buttons
        if callback_data(b["payload"]) != b["payload"]
    }
    if any(message.request_location for message in messages):
        return Plan(sends, long_payloads, keyboard_shown=True)
    if keyboard_shown:
        for index, send in enumerate(sends):
            if send.markup is None:
                sends[index] = replace(send, markup=ReplyKeyboardRemove())
                return Plan(sends, long_payloads, keyboard_shown=False)
    return Plan(sends, long_payloads, keyboard_shown=keyboard_shown)
