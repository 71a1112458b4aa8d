"""Channel adapters: each turns its platform's messages into calls on the conversation port
(`port.ConversationPort`, the only thing of the gateway a channel sees) and renders
the replies its own way. A channel is enabled by its settings (a token), so `make run` with no
configuration serves the web chat alone.

A channel object has `routes` (Starlette routes it adds to the gateway, e.g. a webhook) and
`start()`/`stop()` (called in the gateway's lifespan, e.g. to start long polling).
"""

from __future__ import annotations

from typing import Protocol

from starlette.routing import BaseRoute

from bot.channels.port import ConversationPort
from bot.settings import Settings


class Channel(Protocol):
    routes: list[BaseRoute]

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def enabled_channels(settings: Settings, conversations: ConversationPort) -> list[Channel]:
    channels: list[Channel] = []
    if settings.telegram_bot_token:
        from bot.channels.telegram.channel import TelegramChannel

        channels.append(TelegramChannel(settings, conversations))
    if settings.twilio_auth_token:
        from bot.channels.sms.channel import SmsChannel

        channels.append(SmsChannel(settings, conversations))
    if settings.voice_enabled:
        from bot.channels.voice.channel import VoiceChannel
        from bot.channels.voice.texting import text_sender_from

        channels.append(VoiceChannel(settings, conversations, texts=text_sender_from(settings)))
    return channels
