"""A typed number for a call back: UK mobiles and landlines only, checked with phonenumbers."""

from __future__ import annotations

import pytest

from bot.callbacks.phone import Problem, check_number, for_staff, looks_like_number


@pytest.mark.parametrize(
    ("typed", "kind", "e164"),
    [
        ("07400 123456", "mobile", "+447400123456"),
        ("+44 7400 123456", "mobile", "+447400123456"),
        ("0044 7400-123-456", "mobile", "+447400123456"),
        ("0113 222 4444", "landline", "+441132224444"),
        ("(0113) 2224444", "landline", "+441132224444"),
    ],
)
def test_uk_mobiles_and_landlines_are_taken(typed: str, kind: str, e164: str) -> None:
    check = check_number(typed)
    assert check.ok and check.kind == kind and check.e164 == e164


@pytest.mark.parametrize("typed", ["+33 1 23 45 67 89", "+1 202 555 0143", "+49 30 901820"])
def test_numbers_from_other_countries_are_not_uk(typed: str) -> None:
    assert check_number(typed).problem is Problem.NOT_UK


@pytest.mark.parametrize("typed", ["09098 790123", "0800 123 4567", "070 1234 5678"])
def test_premium_free_and_personal_numbers_are_not_rung(typed: str) -> None:
    assert check_number(typed).problem is Problem.NOT_CALLABLE


@pytest.mark.parametrize("typed", ["123456", "07400 12", "my number is 0123", "01234 5678901234"])
def test_things_that_are_not_phone_numbers(typed: str) -> None:
    check = check_number(typed)
    assert not check.ok and check.e164 is None


def test_only_messages_with_enough_digits_are_taken_for_numbers() -> None:
    assert looks_like_number("07400 123456")
    assert not looks_like_number("skip")
    assert not looks_like_number("what is a champion?")
    assert not looks_like_number("LS9 7AB")


def test_staff_see_the_number_as_they_dial_it() -> None:
    assert for_staff("+447400123456") == "07400 123456"
