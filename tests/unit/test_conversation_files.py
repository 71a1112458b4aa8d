"""The conversation test set (tests/conversations/) is well formed, and its judge is right.

The conversations themselves run against the real bot in tests/e2e/test_resident_conversations.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conversations.runner import CHANNELS, EngineTurn, Said, Turn, judge, load, load_all


def test_there_are_at_least_sixty_conversations_on_every_channel() -> None:
    conversations = load_all()
    assert len(conversations) >= 60
    assert {c.channel for c in conversations} == set(CHANNELS)
    assert all(turn.checks for c in conversations for turn in c.turns if not turn.next_day)


def test_a_turn_that_checks_nothing_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("conversations:\n  - name: x\n    turns:\n      - user: hello\n")
    with pytest.raises(ValueError, match="must say what must hold"):
        load(path)


def test_an_unknown_key_is_refused_rather_than_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("conversations:\n  - name: x\n    turns:\n      - user: hello\n        say: hi\n")
    with pytest.raises(ValueError, match="unknown keys"):
        load(path)


def test_the_judge_finds_each_kind_of_failure() -> None:
    turn = Turn(
        user="hi",
        intent="greet",
        actions=("action_greet",),
        says=("hello",),
        not_says=("sorry",),
        buttons=("Menu",),
    )
    right = judge(
        turn,
        Said("Hello there", [{"title": "Menu", "payload": "/help"}]),
        EngineTurn("greet", ("action_greet",), 1),
        "web",
    )
    assert right == []
    wrong = judge(turn, Said("Sorry, no", []), EngineTurn("faq", ("utter_faq",), 1), "web")
    assert len(wrong) == 5


def test_on_sms_the_options_are_read_from_the_numbered_list() -> None:
    turn = Turn(user="hi", buttons=("Find help near me",))
    said = Said("Hello!\nReply with a number:\n1 Find help near me\n2 Menu")
    assert judge(turn, said, None, "sms") == []
    assert judge(turn, Said("Hello! Find help near me"), None, "sms") != []
