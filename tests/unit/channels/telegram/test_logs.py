"""The bot token and the webhook secret never reach the logs, whatever level is asked for."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.channels.telegram.logs import HIDDEN, guard_logs

TOKEN = "123456:TEST-secret-part"
SECRET = "webhook-secret-value"


@pytest.fixture
def noisy_loggers() -> Iterator[None]:
    names = ["httpx", "httpcore", "telegram", "telegram.ext.Updater", "bot.channels.telegram.handlers"]
    saved = {name: (logging.getLogger(name).level, list(logging.getLogger(name).filters)) for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield
    for name, (level, filters) in saved.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).filters[:] = filters


@pytest.mark.usefixtures("noisy_loggers")
def test_httpx_and_telegram_are_quietened_even_when_set_to_debug() -> None:
    guard_logs(TOKEN, SECRET)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)  # it logs URLs with the token
    assert not logging.getLogger("httpcore").isEnabledFor(logging.INFO)
    assert not logging.getLogger("telegram").isEnabledFor(logging.DEBUG)  # it logs chat ids
    assert not logging.getLogger("telegram.ext.Updater").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("telegram").isEnabledFor(logging.INFO)


@pytest.mark.usefixtures("noisy_loggers")
def test_what_still_gets_logged_has_the_secrets_blanked(caplog: pytest.LogCaptureFixture) -> None:
    guard_logs(TOKEN, SECRET)
    logger = logging.getLogger("telegram.ext.Updater")
    with caplog.at_level(logging.INFO):
        logger.warning("calling https://api.telegram.org/bot%s/getMe", TOKEN)
        logger.warning("part %s and secret %s", TOKEN.partition(":")[2], SECRET)
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            logging.getLogger("bot.channels.telegram.handlers").exception("failed")
    text = caplog.text
    assert TOKEN not in text and "TEST-secret-part" not in text and SECRET not in text
    assert text.count(HIDDEN) >= 4


@pytest.mark.usefixtures("noisy_loggers")
def test_guarding_twice_keeps_one_filter() -> None:
    guard_logs(TOKEN, SECRET)
    guard_logs(TOKEN, SECRET)
    assert len([f for f in logging.getLogger("httpx").filters if type(f).__name__ == "Redact"]) == 1
