import pytest

from bot.geo import postcodes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LS9 7AB", "LS9 7AB"),
        ("ls97ab", "LS9 7AB"),
        ("  ls9   7ab ", "LS9 7AB"),
        ("LS11 5DW", "LS11 5DW"),
        ("ec1a 1bb", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("ls9", "LS9"),
        ("LS28", "LS28"),
        ("m1", "M1"),
    ],
)
def test_parses_any_case_and_spacing(text: str, expected: str) -> None:
    parsed = postcodes.parse(text)
    assert parsed is not None
    assert str(parsed) == expected


@pytest.mark.parametrize("text", ["", "hello", "LS", "12345", "LS9 7A", "QQ1 1AA", "MP3", "LS9 7AC7", "XY1"])
def test_rejects_what_is_not_a_postcode(text: str) -> None:
    assert postcodes.parse(text) is None


def test_full_postcode_knows_its_parts() -> None:
    parsed = postcodes.parse("ls6 1aa")
    assert parsed is not None and parsed.is_full and parsed.area == "LS" and parsed.outcode == "LS6"
    outcode = postcodes.parse("BD1")
    assert outcode is not None and not outcode.is_full


def test_finds_postcodes_inside_a_message() -> None:
    found = postcodes.find("hi my postcode is ls9 7ab and i used to live in LS6")
    assert [str(p) for _, _, p in found] == ["LS9 7AB", "LS6"]
    start, end, _ = found[0]
    assert "hi my postcode is ls9 7ab and i used to live in LS6"[start:end] == "ls9 7ab"


def test_ordinary_words_are_not_postcodes() -> None:
    assert postcodes.find("I have an mp3 player and 2 kids") == []
