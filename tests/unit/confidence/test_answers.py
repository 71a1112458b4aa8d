"""Answers by number (SMS), by button payload, by label and in residents' own words."""

from __future__ import annotations

import pytest

from bot.confidence.answers import Command, read_answer, read_command
from bot.confidence.content import ConfidenceCheck

EASILY, WITH_HELP, NOT_REALLY, NEVER = 1, 2, 3, 4


@pytest.mark.parametrize(
    ("text", "option"),
    [
        # Numbers, as SMS residents and buttons send them.
        ("1", EASILY),
        ("2", WITH_HELP),
        (" 3. ", NOT_REALLY),
        ("4", NEVER),
        ("number 2", WITH_HELP),
        ("option 3 please", NOT_REALLY),
        ("two", WITH_HELP),
        ("1 Yes, easily", EASILY),
        # The labels.
        ("Yes, easily", EASILY),
        ("with some help", WITH_HELP),
        ("NOT REALLY", NOT_REALLY),
        ("Never tried", NEVER),
        # Residents' own words.
        ("yes easily", EASILY),
        ("yeah no problem", EASILY),
        ("of course i can", EASILY),
        ("a bit", WITH_HELP),
        ("yes with help", WITH_HELP),
        ("Yes, but my son helps me", WITH_HELP),
        ("yes if someone shows me", WITH_HELP),
        ("sometimes", WITH_HELP),
        ("not on my own", WITH_HELP),
        ("not really", NOT_REALLY),
        ("no", NOT_REALLY),
        ("nope", NOT_REALLY),
        ("I can't", NOT_REALLY),
        ("i cant do that", NOT_REALLY),
        ("not easily", NOT_REALLY),
        ("not sure", NOT_REALLY),
        ("i dont think so", NOT_REALLY),
        ("a bit, not really", NOT_REALLY),
        ("never tried", NEVER),
        ("never", NEVER),
        ("no never", NEVER),
        ("I haven't tried", NEVER),
        ("what is that?", NEVER),
    ],
)
def test_answers_are_understood(check: ConfidenceCheck, text: str, option: int) -> None:
    assert read_answer(check, text) == option


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "5",
        "0",
        "12",
        "2 or 3",
        "yes and no",
        "never easy",
        "hello",
        "banana",
        "my phone is old",
        "2 never",
    ],
)
def test_unclear_answers_are_not_guessed(check: ConfidenceCheck, text: str) -> None:
    assert read_answer(check, text) is None


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("stop", Command.STOP),
        ("STOP", Command.STOP),
        ("cancel", Command.STOP),
        ("please stop", Command.STOP),
        ("I want to quit", Command.STOP),
        ("start again", Command.RESTART),
        ("can I restart", Command.RESTART),
        ("why are you asking?", Command.WHY),
        ("Why do you need to know", Command.WHY),
        ("what's this for", Command.WHY),
        ("2", None),
        ("not really", None),
        ("I can send emails", None),
    ],
)
def test_commands(check: ConfidenceCheck, text: str, command: Command | None) -> None:
    assert read_command(check, text) is command
