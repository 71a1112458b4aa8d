"""The webhook's secret token: configured, or derived the same on every replica; Telegram's rules kept."""

from __future__ import annotations

import pytest

from bot.channels.telegram.webhook import SECRET_PATTERN, webhook_secret

TOKEN = "123456:TEST-token-value"


def test_a_derived_secret_is_stable_and_uses_only_characters_telegram_allows() -> None:
    secret = webhook_secret(TOKEN, "pseudonym-secret")
    assert secret == webhook_secret(TOKEN, "pseudonym-secret")
    assert SECRET_PATTERN.fullmatch(secret) and 1 <= len(secret) <= 256
    assert TOKEN not in secret and "TEST" not in secret


def test_a_derived_secret_changes_with_the_token_or_the_key() -> None:
    secret = webhook_secret(TOKEN, "pseudonym-secret")
    assert webhook_secret("123456:OTHER", "pseudonym-secret") != secret
    assert webhook_secret(TOKEN, "another-secret") != secret


def test_a_configured_secret_is_used_as_it_is() -> None:
    assert webhook_secret(TOKEN, "pseudonym-secret", "My_secret-42") == "My_secret-42"
    assert webhook_secret(TOKEN, "pseudonym-secret", "") == webhook_secret(TOKEN, "pseudonym-secret")


@pytest.mark.parametrize("configured", ["has space", "dollar$", "x" * 257, "é"])
def test_a_secret_telegram_would_refuse_stops_the_gateway_with_a_clear_message(
    configured: str,
) -> None:
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET") as raised:
        webhook_secret(TOKEN, "pseudonym-secret", configured)
    assert configured not in str(raised.value)
