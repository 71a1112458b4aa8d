"""Deep link, SMS keyword and web link for a code."""

from __future__ import annotations

import pytest

from bot.champions.codes import InvalidCode
from bot.champions.links import deep_link, sms_keyword, sms_keyword_text, web_link
from bot.settings import get_settings


def test_links_from_plain_values() -> None:
    assert deep_link("lib-central", "@SomeBot") == "https://t.me/SomeBot?start=LIB-CENTRAL"
    assert sms_keyword(" lib-central") == "HELLO LIB-CENTRAL"
    assert sms_keyword_text("LIB-CENTRAL", "07700 900456") == "Text HELLO LIB-CENTRAL to 07700 900456"
    assert web_link("hub-compton", "https://bot.example.org/") == "https://bot.example.org/?ref=HUB-COMPTON"


def test_links_from_settings(monkeypatch: pytest.MonkeyPatch, app_settings: None) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "LeedsTestBot")
    monkeypatch.setenv("SMS_NUMBER", "07700 900999")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    get_settings.cache_clear()
    assert deep_link("AHH-DIGITAL") == "https://t.me/LeedsTestBot?start=AHH-DIGITAL"
    assert sms_keyword_text("AHH-DIGITAL") == "Text HELLO AHH-DIGITAL to 07700 900999"
    assert web_link("AHH-DIGITAL") == "http://127.0.0.1:8000/?ref=AHH-DIGITAL"
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.example.org")
    get_settings.cache_clear()
    assert web_link("AHH-DIGITAL") == "https://bot.example.org/?ref=AHH-DIGITAL"


@pytest.mark.parametrize("link", [deep_link, sms_keyword, sms_keyword_text, web_link])
def test_no_link_is_made_for_a_bad_code(link: object) -> None:
    with pytest.raises(InvalidCode):
        link("LIB CENTRAL")  # type: ignore[operator]
