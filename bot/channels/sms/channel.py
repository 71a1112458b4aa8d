"""The SMS channel: one webhook per provider, the UK keywords, and replies written for a phone.

A text goes: provider checks the request is genuine (403 if not) and reads it (4xx if it is
not a message) -> a retried message id is answered with nothing -> STOP / START / HELP are
handled here -> a number that said STOP gets nothing until START -> a number sending faster
than the flood limits allow is told once to slow down (bot/flood_limits.py) -> a first text
that is a champion's code ("HELLO LIB-CENTRAL") starts the conversation with it -> otherwise an ordinary
turn. The reply is one text within 3 segments, with the buttons as numbered options. Whatever
goes wrong inside, the resident gets a short apology, and the provider never sees a 5xx (it
would retry, and the resident would get the answer twice).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.port import ConversationPort
from bot.channels.sms import render
from bot.channels.sms.keywords import Keyword, help_text, keyword, stopped_text
from bot.channels.sms.providers import Inbound, Rejected, SmsProvider, enabled_providers
from bot.messages import BotMessage, slow_down
from bot.outbound.late import late_apology
from bot.referrals import sms_code_candidate
from bot.settings import Settings

log = logging.getLogger(__name__)
CHANNEL = "sms"
WEBHOOK_PREFIX = "/webhooks/sms/"


def webhook_path(provider: SmsProvider) -> str:
    return f"{WEBHOOK_PREFIX}{provider.name}"


class SmsChannel:
    def __init__(
        self,
        settings: Settings,
        conversations: ConversationPort,
        providers: Sequence[SmsProvider] | None = None,
    ) -> None:
        self._conversations = conversations
        self._providers = list(providers) if providers is not None else enabled_providers(settings)
        self.routes: list[BaseRoute] = [
            Route(webhook_path(provider), self._endpoint(provider), methods=["POST"])
            for provider in self._providers
        ]

    async def start(self) -> None:
        """Nothing to start: the providers call the webhook."""

    async def stop(self) -> None:
        """Nothing to stop."""

    def _endpoint(self, provider: SmsProvider) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await self.receive(provider, request)

        return endpoint

    async def receive(self, provider: SmsProvider, request: Request) -> Response:
        try:
            fields = await provider.fields(request)
            if not provider.verify(request, fields):
                return PlainTextResponse("Invalid signature", status_code=403)
            inbound = provider.parse(fields)
        except Rejected as rejected:
            return PlainTextResponse(rejected.reason, status_code=rejected.status_code)
        if not await self._first_time(provider, inbound):
            return provider.no_reply()
        try:
            text = await self.answer(inbound)
        except Exception as error:  # the resident hears an apology; the log says where, not who
            frames = "".join(traceback.format_tb(error.__traceback__))
            log.error("SMS turn failed with %s\n%s", type(error).__name__, frames)
            text = render.sms_reply([self._conversations.apology()])
        return provider.reply(text) if text else provider.no_reply()

    async def _first_time(self, provider: SmsProvider, inbound: Inbound) -> bool:
        """False for a message id already handled (a provider retry). With the shared state
        unreachable the message is answered: twice is better than never."""
        try:
            return await self._conversations.first_time(f"{CHANNEL}:{provider.name}:{inbound.message_id}")
        except Exception as error:
            log.warning("SMS duplicate check failed (%s): answering anyway", type(error).__name__)
            return True

    async def answer(self, inbound: Inbound) -> str | None:
        """The text to send back, or None for silence."""
        conversations = self._conversations
        number = inbound.sender
        conversation = conversations.conversation_id(CHANNEL, number)
        word = keyword(inbound.text)
        opted_out = await conversations.opted_out(conversation)
        if word is Keyword.STOP:
            if opted_out:
                return None  # confirmed once already
            try:
                await conversations.set_opted_out(conversation, CHANNEL, True)
                if conversations.outbound is not None:  # reminders and everything else pending
                    await conversations.outbound.stop(conversation, "STOP")
            except SQLAlchemyError as error:
                log.warning("STOP not recorded: %s", type(error).__name__)
                return render.fit_reply(["Sorry, that didn't work. Please text STOP again in a minute."], [])
            return render.fit_reply([stopped_text(conversations.local)], [])
        if word is Keyword.HELP:
            # Asked for, so answered even after STOP (as UK networks expect), and without the engine.
            return render.fit_reply([help_text(conversations.local, opted_out=opted_out)], [])
        if word is Keyword.START:
            if opted_out:
                await conversations.set_opted_out(conversation, CHANNEL, False)
        elif opted_out:
            return None
        async with conversations.guard.turn(conversation) as refused:
            if refused:  # each text costs: told once, then nothing for a while
                return render.sms_reply([slow_down()]) if refused.tell else None
            if word is Keyword.START:
                replies = await conversations.start(CHANNEL, number, None)
            else:
                replies = await self._turn(number, inbound.text)
                if replies == [conversations.apology()] and await conversations.keep_late_answer(
                    conversation, number, inbound.text
                ):
                    replies = [late_apology(conversations.local)]
        return render.sms_reply(replies)

    async def _turn(self, number: str, text: str) -> list[BotMessage]:
        """A champion's code ("HELLO LIB-CENTRAL") starts with it; anything else is a turn."""
        candidate = sms_code_candidate(text)
        code = await self._conversations.known_referral(candidate) if candidate else None
        if code:
            return await self._conversations.start(CHANNEL, number, code)
        return await self._conversations.turn(CHANNEL, number, text)
