"""Spoken postcodes: the table of what speech recognisers write, and the read-back."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.geo import postcodes
from bot.voice.postcodes import hear_postcode, read_back

TABLE = Path(__file__).with_name("spoken_postcodes.csv")
ROWS = list(csv.DictReader(TABLE.open(encoding="utf-8")))


@pytest.mark.parametrize(
    ("speech", "expected"),
    [(row["speech"], row["postcode"]) for row in ROWS],
    ids=[f"{number}:{row['speech'][:40]}" for number, row in enumerate(ROWS, start=2)],
)
def test_a_spoken_postcode_is_heard_as_the_table_says(speech: str, expected: str) -> None:
    assert hear_postcode(speech) == (None if expected == "none" else expected)


def test_the_table_is_big_enough_and_covers_every_kind_of_case() -> None:
    speeches = [row["speech"].lower() for row in ROWS]
    assert len(ROWS) >= 100
    assert sum(row["postcode"] == "none" for row in ROWS) >= 20
    for needed in ("lima", "double", "triple", " oh ", "ell", "zed"):
        assert any(needed in f" {speech} " for speech in speeches), needed
    assert len({row["postcode"][:2] for row in ROWS if row["postcode"] != "none"}) >= 10


def test_every_expected_postcode_in_the_table_is_valid_and_normalised() -> None:
    for row in ROWS:
        if row["postcode"] != "none":
            parsed = postcodes.parse(row["postcode"])
            assert parsed is not None and parsed.is_full and str(parsed) == row["postcode"]


@pytest.mark.parametrize(
    ("postcode", "spoken"),
    [
        ("LS9 7BG", "L S 9, 7 B G"),
        ("ls97bg", "L S 9, 7 B G"),
        ("LS11 6PF", "L S 11, 6 P F"),
        ("EC1A 1BB", "E C 1 A, 1 B B"),
        ("W1A 0AX", "W 1 A, 0 A X"),
        ("M1 1AE", "M 1, 1 A E"),
        ("LS9", "L S 9"),
    ],
)
def test_read_back_spaces_the_letters_and_pauses_between_the_halves(postcode: str, spoken: str) -> None:
    assert read_back(postcode) == spoken


def test_read_back_of_what_is_heard_is_what_the_issue_asks_to_confirm() -> None:
    heard = hear_postcode("ell ess nine seven bee gee")
    assert heard is not None
    assert f"I heard {read_back(heard)}." == "I heard L S 9, 7 B G."


def test_oh_is_a_zero_where_a_digit_goes_and_an_o_where_a_letter_goes() -> None:
    assert hear_postcode("L S twenty six oh A E") == "LS26 0AE"
    assert hear_postcode("oh ell one one A B") == "OL1 1AB"


def test_two_postcodes_that_fit_equally_well_give_none_rather_than_a_guess() -> None:
    # A lower-case "a" after "one" could be the letter (EC1A 1BB) or the caller's article (EC1 1BB).
    assert hear_postcode("e c one a one b b") is None


def test_a_long_ramble_is_refused_without_trying_every_reading() -> None:
    assert hear_postcode(" ".join(["a i oh to for"] * 30)) is None
