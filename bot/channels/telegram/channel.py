"""The Telegram channel's lifecycle in the gateway: long polling by default, a webhook when asked.

Long polling (TELEGRAM_BOT_TOKEN only) needs no public address, so it works behind any
firewall; Telegram lets one process poll a bot, so run one gateway replica. With
TELEGRAM_WEBHOOK_URL, Telegram posts each update to our own Starlette route (as in
python-telegram-bot's "customwebhookbot" example) with a secret token, and any number of
replicas can serve it (they share duplicate detection through Redis).

Messages wait at Telegram until the engine can answer them: polling starts only once the engine
answers its readiness check, and the webhook answers 503 (Telegram tries again later) while it
does not, so a restart or a deploy loses nothing and apologises for nothing. An engine that stays
down past ENGINE_DOWN_DEADLINE_SECONDS gets residents the apology, as before.

Telegram being unreachable must not stop the web chat or SMS: the bot connects in the
background and keeps trying, with growing pauses; a token Telegram rejects is reported once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.error import Conflict, InvalidToken, TelegramError

from bot.channels.port import ConversationPort
from bot.channels.telegram.handlers import ALLOWED_UPDATES, COMMANDS, build_application
from bot.channels.telegram.logs import guard_logs
from bot.channels.telegram.webhook import WEBHOOK_PATH, UpdateRejected, WebhookEndpoint, webhook_secret
from bot.settings import Settings

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
LAST_RETRY_SECONDS = 60.0


class TelegramChannel:
    def __init__(self, settings: Settings, conversations: ConversationPort) -> None:
        token = settings.telegram_bot_token or ""
        self._webhook_url = settings.telegram_webhook_url or None
        self._secret = webhook_secret(token, settings.pseudonym_secret, settings.telegram_webhook_secret)
        guard_logs(token, self._secret)
        self._conversations = conversations
        self._application = build_application(settings, conversations, webhook=self._webhook_url is not None)
        guard_logs(token, self._secret)  # again: building the bot made more loggers
        self._runner: asyncio.Task[None] | None = None
        self._ready = False
        self.routes: list[BaseRoute] = []
        if self._webhook_url:
            if not self._webhook_url.rstrip("/").endswith(WEBHOOK_PATH):
                logger.warning("TELEGRAM_WEBHOOK_URL should end in %s, the gateway's route", WEBHOOK_PATH)
            endpoint = WebhookEndpoint(self._secret, self._receive)
            self.routes.append(Route(WEBHOOK_PATH, endpoint.handle, methods=["POST"]))

    @property
    def ready(self) -> bool:
        return self._ready

    async def start(self) -> None:
        self._runner = asyncio.create_task(self._connect(), name="telegram-connect")

    async def stop(self) -> None:
        if self._runner is not None and not self._runner.done():
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        self._ready = False
        application = self._application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()

    async def _connect(self) -> None:
        application = self._application
        if not await self._keep_trying("connect", application.initialize):
            return
        await application.start()
        try:
            await application.bot.set_my_commands(COMMANDS)
        except TelegramError as error:
            logger.warning("Could not set the bot's command menu: %s", type(error).__name__)
        if self._webhook_url:
            url = self._webhook_url

            async def set_webhook() -> Any:
                return await application.bot.set_webhook(
                    url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
                )

            # Updates that come while the engine is down get 503 (`_receive`): Telegram keeps them.
            if not await self._keep_trying("set the webhook", set_webhook):
                return
        elif application.updater is not None:
            updater = application.updater

            async def start_polling() -> Any:
                return await updater.start_polling(
                    allowed_updates=ALLOWED_UPDATES, error_callback=self._polling_failed
                )

            # Not one update is taken before the engine can answer it: Telegram keeps them.
            await self._wait_for_engine()
            if not await self._keep_trying("start polling", start_polling):
                return
        self._ready = True
        logger.info("Telegram channel ready (%s)", "webhook" if self._webhook_url else "long polling")

    async def _wait_for_engine(self) -> None:
        if await self._conversations.engine_ready():
            return
        logger.info("Waiting for the engine before taking Telegram messages")
        if await self._conversations.wait_for_engine():
            logger.info("The engine answers: taking Telegram messages")
        else:
            logger.warning("The engine is still down after the deadline: residents get the apology")

    async def _keep_trying(self, what: str, attempt: Callable[[], Awaitable[Any]]) -> bool:
        """True once `attempt` succeeds; False if Telegram rejects the token (trying again won't help)."""
        pause = FIRST_RETRY_SECONDS
        while True:
            try:
                await attempt()
                return True
            except InvalidToken:
                # Its message holds the token: say what to do instead.
                logger.error(
                    "Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather. Telegram is off."
                )
                return False
            except TelegramError as error:
                logger.warning(
                    "Could not %s with Telegram (%s); trying again in %.0f s",
                    what,
                    type(error).__name__,
                    pause,
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, LAST_RETRY_SECONDS)

    def _polling_failed(self, error: TelegramError) -> None:
        if isinstance(error, Conflict):
            logger.error("Another process is polling this bot: run one gateway replica, or use a webhook")
        else:
            logger.warning("Telegram polling failed (%s); trying again", type(error).__name__)

    async def _receive(self, data: dict[str, Any]) -> bool:
        """An update from the webhook, into python-telegram-bot's queue. False (503: Telegram
        keeps it and tries again later) while the channel starts, or while the engine cannot
        answer it, until the engine has been down past the deadline (then it gets the apology)."""
        if not self._ready or not await self._conversations.engine_ready():
            return False
        try:
            update = Update.de_json(data, self._application.bot)
        except (KeyError, TypeError, ValueError) as error:
            raise UpdateRejected(type(error).__name__) from error
        await self._application.update_queue.put(update)
        return True
