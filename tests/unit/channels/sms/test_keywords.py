"""STOP, START and HELP: the whole message, any case; the texts they get."""

from __future__ import annotations

import pytest

from bot.channels.sms.keywords import Keyword, help_text, keyword, stopped_text
from bot.channels.sms.render import encoding, segments
from bot.local import load_local
from bot.settings import get_settings
from tests.readability import readability_problem

LOCAL = load_local(get_settings().local_file)


@pytest.mark.parametrize(
    "word",
    ["STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "Cancel", "END", "quit!", "revoke", "OptOut"],
)
def test_stop_words(word: str) -> None:
    assert keyword(word) is Keyword.STOP


@pytest.mark.parametrize("word", ["START", "start", "Unstop"])
def test_start_words(word: str) -> None:
    assert keyword(word) is Keyword.START


@pytest.mark.parametrize("word", ["HELP", "help", " Help "])
def test_help_word(word: str) -> None:
    assert keyword(word) is Keyword.HELP


@pytest.mark.parametrize(
    "text", ["help me", "stop the quiz", "please stop", "I want to start", "menu", "", "STOP STOP", "st op"]
)
def test_words_inside_a_message_are_not_keywords(text: str) -> None:
    assert keyword(text) is None


def test_help_gives_the_programmes_contacts_and_the_way_on() -> None:
    text = help_text(LOCAL)
    assert LOCAL.helpline.phone in text and LOCAL.helpline.name in text and LOCAL.website in text
    assert LOCAL.programme in text and "MENU" in text
    assert encoding(text) == "GSM-7" and segments(text) <= 2
    assert readability_problem(text) is None
    assert "START" in help_text(LOCAL, opted_out=True)


def test_stop_is_confirmed_in_one_plain_text() -> None:
    text = stopped_text(LOCAL)
    assert text == "You won't get any more texts from Get Online. Text START to start again."
    assert segments(text) == 1
