"""Which listed session the resident means."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.loop.listed import Listed, Miss, listed_from_slot, pick

LONDON = ZoneInfo("Europe/London")
LISTED = [
    Listed(
        1, 11, 1, "Harehills Library", "Get online drop-in", datetime(2026, 12, 8, 10, tzinfo=LONDON)
    ),  # Tue
    Listed(2, 12, 2, "Compton Centre", "Tablet club", datetime(2026, 12, 10, 14, tzinfo=LONDON)),  # Thu
    Listed(3, 13, 3, "Oak Tree Cafe", "Phone help", datetime(2026, 12, 10, 9, tzinfo=LONDON)),  # Thu
]


def test_by_weekday_number_button_or_name() -> None:
    assert pick(LISTED, "yes please remind me about the Tuesday one").chosen == LISTED[0]
    assert pick(LISTED, "remind me about number 2").chosen == LISTED[1]
    assert pick(LISTED, "remind me", chosen_number="3").chosen == LISTED[2]
    assert pick(LISTED, "the second one please").chosen == LISTED[1]
    assert pick(LISTED, "remind me about the compton one").chosen == LISTED[1]
    assert pick(LISTED, "thursday at the cafe").chosen == LISTED[2]


def test_a_time_is_not_a_number_from_the_list() -> None:
    assert pick(LISTED, "the one at 10am").miss is Miss.WHICH


def test_what_cannot_be_chosen_says_why() -> None:
    assert pick([], "remind me").miss is Miss.NOTHING_LISTED
    assert pick(LISTED, "remind me").miss is Miss.WHICH
    assert pick(LISTED, "remind me about 7").miss is Miss.NO_SUCH_NUMBER
    saturday = pick(LISTED, "the saturday one")
    assert saturday.miss is Miss.NO_SESSION_THAT_DAY and saturday.weekday == 5
    assert pick(LISTED, "thursday").miss is Miss.WHICH  # two on Thursday


def test_with_one_listed_remind_me_means_it() -> None:
    assert pick(LISTED[:1], "can you text me before").chosen == LISTED[0]


def test_the_slot_round_trips_and_ignores_rubbish() -> None:
    slot = [item.as_slot() for item in LISTED] + [{"number": "x"}, "junk"]
    assert listed_from_slot(slot) == LISTED
    assert listed_from_slot("nonsense") == []
