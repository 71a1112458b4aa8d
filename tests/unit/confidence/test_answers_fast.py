"""The answers read from keys made once per file give what reading every phrase afresh gave.

`_slow_*` are the readers as they were before the keys were kept on the check (every phrase of
the file split into words on every message): kept here as the reference the fast path must
match, on the shipped file's every phrase, their mixtures, and generated text.
"""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.confidence.answers import (
    Command,
    _find,
    _from_words,
    _Match,
    _number,
    read_answer,
    read_command,
)
from bot.confidence.content import ConfidenceCheck, words_key


def _slow_words_key(text: str) -> tuple[str, ...]:
    text = text.lower().replace("’", "'").replace("'", "")
    return tuple(re.findall(r"[a-z0-9%]+", text))


def _slow_command(check: ConfidenceCheck, text: str) -> Command | None:
    tokens = _slow_words_key(text)
    for command, phrases in (
        (Command.STOP, check.commands.stop),
        (Command.RESTART, check.commands.restart),
        (Command.WHY, check.commands.why),
    ):
        if any(_find(tokens, _slow_words_key(phrase)) for phrase in phrases):
            return command
    return None


def _slow_from_words(check: ConfidenceCheck, tokens: tuple[str, ...]) -> int | None:
    matches = [
        _Match(start, end, number)
        for number, option in enumerate(check.scale, start=1)
        for phrase in (option.label, *option.words)
        for start, end in _find(tokens, _slow_words_key(phrase))
    ]
    kept = {m.option for m in matches if not any(m.inside(other) for other in matches)}
    if not kept:
        return None
    if max(kept) - min(kept) > 1:
        return 0
    return max(kept)


def _slow_answer(check: ConfidenceCheck, text: str) -> int | None:
    tokens = _slow_words_key(text)
    if not tokens:
        return None
    number = _number(tokens, len(check.scale))
    words = _slow_from_words(check, tokens)
    if number == 0 or words == 0:
        return None
    if number is not None and words is not None and number != words:
        return None
    return number or words


def _phrases(check: ConfidenceCheck) -> list[str]:
    commands = check.commands
    scale = [p for option in check.scale for p in (option.label, *option.words)]
    return [*scale, *commands.stop, *commands.restart, *commands.why]


def _same(check: ConfidenceCheck, text: str) -> None:
    assert words_key(text) == _slow_words_key(text), text
    assert read_answer(check, text) == _slow_answer(check, text), text
    assert read_command(check, text) == _slow_command(check, text), text
    tokens = words_key(text)
    assert _from_words(check, tokens) == _slow_from_words(check, tokens), text


def test_every_phrase_alone_and_in_pairs_reads_as_before(check: ConfidenceCheck) -> None:
    phrases = _phrases(check)
    for text in phrases:
        _same(check, text)
        _same(check, f"Well, {text.upper()}! 2")
    for first, second in itertools.product(phrases[::3], phrases[1::4]):
        _same(check, f"{first}, {second}")
        _same(check, f"{first} I’d say {second} 3")


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_generated_messages_read_as_before(check: ConfidenceCheck, data: st.DataObject) -> None:
    vocabulary = sorted({word for phrase in _phrases(check) for word in _slow_words_key(phrase)})
    words = st.one_of(
        st.sampled_from(vocabulary),
        st.sampled_from(["1", "2", "3", "4", "5", "one", "two", "please", "number", "'", "’", ",", "!"]),
        st.text(max_size=6),
    )
    text = " ".join(data.draw(st.lists(words, max_size=8)))
    _same(check, text)


def test_keys_are_made_once_per_check(check: ConfidenceCheck) -> None:
    assert check.option_keys is check.option_keys
    assert check.command_keys is check.command_keys
    assert [number for number, _ in check.option_keys] == [
        number for number, option in enumerate(check.scale, start=1) for _ in (option.label, *option.words)
    ]
