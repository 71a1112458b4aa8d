"""The call-back wording: short, plain, and every number in the safe steps has its source."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.callbacks.wording import Wording
from tests.readability import SMS_ANSWER_LIMIT, readability_problem
from tests.unit.callbacks.conftest import CONTENT

RAW = yaml.safe_load((CONTENT / "callbacks.yml").read_text())
TEXT_KEYS = sorted(key for key, value in RAW.items() if isinstance(value, str))


@pytest.mark.parametrize("key", TEXT_KEYS)
def test_every_reply_is_short_and_plain(key: str, words: Wording) -> None:
    text = words(key, due="Tuesday 8 December")
    assert len(text) <= SMS_ANSWER_LIMIT, key
    assert readability_problem(text) is None, readability_problem(text)
    assert "{" not in text


def test_the_safe_steps_give_the_three_things_to_do_first(words: Wording) -> None:
    text = words("scam_now")
    assert text.index("Hang up") < text.index("159") < text.index("0300 123 2040")
    assert "Report Fraud" in text and "Action Fraud" not in text  # renamed (reportfraud.police.uk)


def test_every_number_in_the_safe_steps_is_in_a_source() -> None:
    sourced = {fact for source in RAW["sources"] for fact in source["facts"]}
    assert all(source["url"].startswith("https://") for source in RAW["sources"])
    for key in ("scam_now", "distress"):
        for number in re.findall(r"\d[\d ]*\d|\d", RAW[key]):
            assert number.strip() in sourced, (key, number)


def test_the_promise_uses_the_councils_numbers(words: Wording) -> None:
    saved = words("saved", due="Tuesday 8 December")
    assert "within 2 working days" in saved and "starting 0113" in saved
