"""How it went: a number or a few plain words become 1-5; anything else is thanked, not kept."""

from __future__ import annotations

import pytest

from bot.loop.conversation import rating_of


@pytest.mark.parametrize(
    ("said", "rating"),
    [
        ("5", 5),
        ("4 thanks", 4),
        ("it was great", 5),
        ("not great really", 2),
        ("ok", 3),
        ("rubbish", 1),
        ("9", None),
        ("hmm", None),
    ],
)
def test_rating_of(said: str, rating: int | None) -> None:
    assert rating_of(said) == rating
