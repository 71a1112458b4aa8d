"""Keep the bot token and residents' Telegram ids out of the gateway's logs.

Every Bot API URL contains the token (https://api.telegram.org/bot<token>/sendMessage): httpx
logs each request URL at INFO, python-telegram-bot logs the base URL and every call's parameters
(chat ids included) at DEBUG. So, whatever level the deployment sets, httpx and httpcore log
warnings only, and python-telegram-bot at most INFO (start and stop). As a second line, the
token and the webhook secret are blanked out of anything those loggers and the channel's own
still write, exception text included (python-telegram-bot's InvalidToken message carries the token).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

QUIETER = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO}
GUARDED_PREFIXES = ("httpx", "httpcore", "telegram", "bot.channels.telegram")
HIDDEN = "[hidden]"


class Redact(logging.Filter):
    """Replaces each secret in a record's message and exception text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so the whole token goes before its secret part is looked for.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, HIDDEN)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.clean(logging.Formatter().formatException(record.exc_info))
        return True


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(f"{prefix}.")


def guard_logs(token: str, *more_secrets: str) -> Redact:
    """Quieten the talkative loggers and put the redacting filter on every guarded one."""
    names = [name for name in logging.root.manager.loggerDict if name.startswith(GUARDED_PREFIXES)]
    for prefix, level in QUIETER.items():
        top = logging.getLogger(prefix)
        if top.level < level:  # NOTSET (0) would follow the root logger's level
            top.setLevel(level)
        for name in names:
            logger = logging.getLogger(name)
            # A child set lower on purpose ("telegram.ext.Updater": DEBUG) would still leak.
            if _under(name, prefix) and logging.NOTSET < logger.level < level:
                logger.setLevel(level)
    redact = Redact([token, token.partition(":")[2], *more_secrets])
    for name in {*names, *QUIETER}:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, Redact)]:
            logger.removeFilter(old)
        logger.addFilter(redact)
    return redact
