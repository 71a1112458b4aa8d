"""The SMS gateways the bot can receive texts from, and which of them the settings turn on.

Adding a gateway: write `providers/<name>.py` with a `SmsProvider` subclass (see base.py and
docs/channels.md), and return an instance from `enabled_providers` when its setting is set.
"""

from __future__ import annotations

from bot.channels.sms.providers.base import Inbound, Rejected, SmsProvider
from bot.settings import Settings

__all__ = ["Inbound", "Rejected", "SmsProvider", "enabled_providers"]


def enabled_providers(settings: Settings) -> list[SmsProvider]:
    providers: list[SmsProvider] = []
    if settings.twilio_auth_token:
        from bot.channels.sms.providers.twilio import TwilioProvider

        providers.append(TwilioProvider(settings.twilio_auth_token, settings.public_base_url))
    return providers
