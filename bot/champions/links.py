"""The three ways into the bot that a referral code rides on: Telegram, SMS and the web chat.

Each takes the code and the setting it depends on (the bot's username, the SMS number, the
chat's address), so tests, the admin and the CLI pass what their settings say. Codes are
checked here, because a bad code printed on a thousand flyers is a link that never works.
"""

from __future__ import annotations

from bot.champions.codes import normalise_code
from bot.settings import Settings

SMS_KEYWORD = "HELLO"


def deep_link(code: str, username: str) -> str:
    """https://t.me/<bot>?start=<code>: Telegram opens the bot and sends it `/start <code>`."""
    return f"https://t.me/{username.lstrip('@')}?start={normalise_code(code)}"


def sms_keyword(code: str) -> str:
    """What a resident texts as their first message ("HELLO LIB-CENTRAL")."""
    return f"{SMS_KEYWORD} {normalise_code(code)}"


def sms_keyword_text(code: str, number: str) -> str:
    """The instruction printed for people without a smartphone."""
    return f"Text {sms_keyword(code)} to {number}"


def chat_address(settings: Settings) -> str:
    """Where the web chat is: the public address, or the local gateway."""
    return settings.public_base_url or f"http://{settings.gateway_host}:{settings.gateway_port}"


def web_link(code: str, base_url: str) -> str:
    """The web chat with the code attached (`base_url`: see `chat_address`)."""
    return f"{base_url.rstrip('/')}/?ref={normalise_code(code)}"
