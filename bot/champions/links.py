"""The three ways into the bot that a referral code rides on: Telegram, SMS and the web chat.

Each takes the code and, optionally, the setting it depends on, so tests and the admin can pass
plain values; left out, the value comes from `bot.settings`. Codes are checked here, because a
bad code printed on a thousand flyers is a link that never works.
"""

from __future__ import annotations

from bot.champions.codes import normalise_code
from bot.settings import get_settings

SMS_KEYWORD = "HELLO"


def deep_link(code: str, username: str | None = None) -> str:
    """https://t.me/<bot>?start=<code>: Telegram opens the bot and sends it `/start <code>`."""
    bot = (username or get_settings().telegram_bot_username).lstrip("@")
    return f"https://t.me/{bot}?start={normalise_code(code)}"


def sms_keyword(code: str) -> str:
    """What a resident texts as their first message ("HELLO LIB-CENTRAL")."""
    return f"{SMS_KEYWORD} {normalise_code(code)}"


def sms_keyword_text(code: str, number: str | None = None) -> str:
    """The instruction printed for people without a smartphone."""
    return f"Text {sms_keyword(code)} to {number or get_settings().sms_number}"


def web_link(code: str, base_url: str | None = None) -> str:
    """The web chat with the code attached, on the public address (or the local gateway)."""
    settings = get_settings()
    base = base_url or settings.public_base_url or f"http://{settings.gateway_host}:{settings.gateway_port}"
    return f"{base.rstrip('/')}/?ref={normalise_code(code)}"
