"""Spoken postcodes: the table of what speech recognisers write, and the read-back."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.geo import postcodes
from bot.voice.postcodes import DIGIT_WORDS, LETTER_WORDS, NATO, hear_outcode, hear_postcode, read_back

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
    assert hear_postcode(" ".join(["a i oh to for"] * 30)) is None  # over MAX_TOKENS
    assert hear_postcode(" ".join(["a one oh to for"] * 15)) is None  # 75 ambiguous words: one pass


# ---- any postcode, said any of the ways people say it ----

_SAYINGS: dict[str, list[str]] = {}
for _table in (LETTER_WORDS, NATO, DIGIT_WORDS):
    for _word, _symbol in _table.items():
        _SAYINGS.setdefault(_symbol, []).append(_word)
# ("oh" is 0 or O: where both fit, None is the right answer, so the table tests it instead.)


@st.composite
def _postcode_and_speech(draw: st.DrawFn) -> tuple[str, str]:
    outward = draw(st.sampled_from(sorted(postcodes.AREAS)))
    outward += str(draw(st.integers(min_value=0, max_value=99)))
    # Sometimes the A9A / AA9A shapes ("W1A", "EC1A"): parse() refuses the letters they cannot take.
    outward += draw(st.sampled_from(["", "", "", "A", "B", "E", "H", "M", "N", "P", "S", "T", "W", "X"]))
    postcode = postcodes.parse(
        f"{outward}{draw(st.integers(0, 9))}{draw(st.text('ABDEFGHJLNPQRSTUWXYZ', min_size=2, max_size=2))}"
    )
    assume(postcode is not None and postcode.is_full)
    assert postcode is not None
    said = []
    for char in str(postcode).replace(" ", ""):
        said.append(draw(st.sampled_from([char, *_SAYINGS[char]])))
    filler = draw(st.sampled_from(["", "my postcode is ", "um, it's ", "it's "]))
    return str(postcode), filler + " ".join(said)


@given(_postcode_and_speech())
@settings(max_examples=300, deadline=None)
def test_any_valid_postcode_said_letter_by_letter_is_heard(case: tuple[str, str]) -> None:
    postcode, speech = case
    assert hear_postcode(speech) == postcode


def test_a_reading_that_fits_two_postcodes_is_settled_by_which_one_exists() -> None:
    assert hear_postcode("S oh nought, nought A A") is None  # SO0 0AA or S00 0AA
    assert hear_postcode("S oh nought, nought A A", known={"SO0 0AA"}.__contains__) == "SO0 0AA"
    assert hear_postcode("L S nine, seven B G", known=lambda postcode: False) is None


@pytest.mark.parametrize(
    ("speech", "outcode"),
    [
        ("L S nine", "LS9"),
        ("help near L S nine please", "LS9"),
        ("ell ess twenty seven", "LS27"),
        ("lima sierra eleven", "LS11"),
        ("oh ell one", "OL1"),
        ("E C one A", "EC1A"),
        ("LS9", "LS9"),
        ("L S nine seven B G", None),  # a full postcode: hear_postcode's
        ("L S", None),
        ("nine", None),
        ("Harehills", None),
        ("0113 378 5005", None),
    ],
)
def test_an_outward_code_said_alone_is_heard_as_one(speech: str, outcode: str | None) -> None:
    assert hear_outcode(speech) == outcode


def test_an_outward_code_that_does_not_exist_is_dropped_when_known_is_given() -> None:
    assert hear_outcode("L S nine seven") == "LS97"  # the shape allows it
    assert hear_outcode("L S nine seven", known={"LS9", "LS7"}.__contains__) is None
