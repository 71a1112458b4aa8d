"""Deep link, SMS keyword and web link for a code."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from bot.champions.codes import InvalidCode
from bot.champions.links import chat_address, deep_link, sms_keyword, sms_keyword_text, web_link
from bot.settings import get_settings


def test_links_from_plain_values() -> None:
    assert deep_link("lib-central", "@SomeBot") == "https://t.me/SomeBot?start=LIB-CENTRAL"
    assert sms_keyword(" lib-central") == "HELLO LIB-CENTRAL"
    assert sms_keyword_text("LIB-CENTRAL", "07700 900456") == "Text HELLO LIB-CENTRAL to 07700 900456"
    assert web_link("hub-compton", "https://bot.example.org/") == "https://bot.example.org/?ref=HUB-COMPTON"


def test_the_web_chat_is_on_the_public_address_or_the_local_gateway(
    monkeypatch: pytest.MonkeyPatch, app_settings: None
) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    get_settings.cache_clear()
    assert web_link("AHH-DIGITAL", chat_address(get_settings())) == "http://127.0.0.1:8000/?ref=AHH-DIGITAL"
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.example.org")
    get_settings.cache_clear()
    assert web_link("AHH-DIGITAL", chat_address(get_settings())) == "https://bot.example.org/?ref=AHH-DIGITAL"


@pytest.mark.parametrize(
    "link",
    [
        partial(deep_link, username="SomeBot"),
        sms_keyword,
        partial(sms_keyword_text, number="07700 900456"),
        partial(web_link, base_url="https://bot.example.org"),
    ],
)
def test_no_link_is_made_for_a_bad_code(link: Callable[[str], str]) -> None:
    with pytest.raises(InvalidCode):
        link("LIB CENTRAL")
