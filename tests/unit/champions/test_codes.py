"""Referral codes: what a valid code is, and the new codes made for rows without one."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.champions.codes import CODE_DIGITS, InvalidCode, is_valid_code, new_code, normalise_code

# What Telegram accepts as a deep-link start payload (core.telegram.org/bots/features#deep-linking).
TELEGRAM_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


@pytest.mark.parametrize(
    ("raw", "code"),
    [("LIB-CENTRAL", "LIB-CENTRAL"), ("  lib-central \n", "LIB-CENTRAL"), ("ahh_2", "AHH_2"), ("abc", "ABC")],
)
def test_codes_are_trimmed_and_upper_cased(raw: str, code: str) -> None:
    assert normalise_code(raw) == code
    assert is_valid_code(raw)


@pytest.mark.parametrize(
    "raw", ["", "AB", "LIB CENTRAL", "LIB.CENTRAL", "CAFÉ-1", "A" * 41, "HELLO!", "ab/cd"]
)
def test_bad_codes_are_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidCode, match="3 to 40 letters, digits, - or _"):
        normalise_code(raw)
    assert not is_valid_code(raw)


@given(st.text(max_size=80))
def test_any_code_that_passes_is_a_telegram_payload_and_stable(raw: str) -> None:
    try:
        code = normalise_code(raw)
    except InvalidCode:
        return
    assert TELEGRAM_PAYLOAD.fullmatch(code)
    assert code == code.upper() and normalise_code(code) == code


@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", min_size=3, max_size=40
    )
)
def test_every_payload_character_is_accepted(raw: str) -> None:
    assert normalise_code(raw) == raw.upper()


@given(st.text(max_size=120), st.sets(st.text(max_size=12), max_size=30))
def test_new_codes_are_valid_free_and_never_mix_letters_with_digits(name: str, taken: set[str]) -> None:
    code = new_code(name, taken)
    assert normalise_code(code) == code and TELEGRAM_PAYLOAD.fullmatch(code)
    assert code not in {t.strip().upper() for t in taken}
    prefix, digits = code.split("-")
    assert prefix.isalpha() and prefix.isascii() and len(prefix) <= 10
    assert set(digits) <= set(CODE_DIGITS) and "0" not in digits and "1" not in digits
    assert new_code(name, taken) == code  # same input, same code


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("Compton Centre", "COMPTON"),
        ("Chapeltown Library at The Reginald Centre", "CHAPELTOWN"),
        ("Strawberry Lane Community Centre", "STRAWBERRY"),
        ("Kippax and Garforth Neighbourhood Network", "KIPPAX"),
        ("Internationalisation Centre", "INTERNATIO"),
        ("Library Digital Champion, Leeds Libraries", "LIBRARY"),
        ("Hub Digital Champion", "HUB"),
        ("The Leeds Digital Champions", "GO"),
        ("St George's Crypt", "GEORGES"),
        ("Café Älskar", "CAFE"),
        ("", "GO"),
    ],
)
def test_the_prefix_is_a_telling_word_of_the_name(name: str, prefix: str) -> None:
    assert new_code(name, set()).startswith(prefix + "-")


def test_taken_codes_are_avoided_whatever_their_case() -> None:
    first = new_code("Compton Centre", set())
    second = new_code("Compton Centre", {first.lower()})
    assert second != first and second.startswith("COMPTON-")


def test_codes_stay_unique_when_one_name_needs_many() -> None:
    taken: set[str] = set()
    for _ in range(200):  # more than the 64 two-digit codes: it moves on to three digits
        taken.add(new_code("Compton Centre", taken))
    assert len(taken) == 200
    assert max(len(code) for code in taken) == len("COMPTON-234")
