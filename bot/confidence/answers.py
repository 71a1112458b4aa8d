"""Reading what a resident sends during the check: an answer (by number or in words) or a command.

Residents answer with a number ("2"; SMS), a button (its payload is the number), the label, or
their own words ("not really", "a bit", "yes easily", "never tried"). Words are matched as whole
words from the data file's lists; when a longer phrase covers a shorter one ("not easily" over
"easily", "no problem" over "no"), the longer one counts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.confidence.content import ConfidenceCheck, words_key

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4}
# Words around a bare number that do not change it: "number 2", "option 2 please".
NUMBER_FILLER = frozenset({"number", "option", "answer", "please", "pls", "its", "it", "is", "the"})


class Command(enum.Enum):
    STOP = "stop"
    RESTART = "restart"
    WHY = "why"


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    option: int

    def inside(self, other: _Match) -> bool:
        return (
            other.start <= self.start
            and self.end <= other.end
            and (other.end - other.start) > (self.end - self.start)
        )


def _find(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> list[tuple[int, int]]:
    size = len(phrase)
    return [(i, i + size) for i in range(len(tokens) - size + 1) if tokens[i : i + size] == phrase]


def _contains(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` occurs in `tokens` (as `_find` would find it), without listing where."""
    if not phrase:
        return True  # as `_find`: an empty phrase is found at every place
    if phrase[0] not in tokens:
        return False
    return bool(_find(tokens, phrase))


_COMMANDS = (Command.STOP, Command.RESTART, Command.WHY)  # the order of `check.command_keys`


def read_command(check: ConfidenceCheck, text: str) -> Command | None:
    """Stop, start again, or "why are you asking?"; None for anything else."""
    tokens = words_key(text)
    for command, keys in zip(_COMMANDS, check.command_keys, strict=True):
        if any(_contains(tokens, key) for key in keys):
            return command
    return None


def _number(tokens: tuple[str, ...], options: int) -> int | None:
    """The one number in the message, if it names an option; 0 when there are numbers but no one option."""
    meaningful = [t for t in tokens if t not in NUMBER_FILLER]
    if len(meaningful) == 1 and meaningful[0] in NUMBER_WORDS:
        return NUMBER_WORDS[meaningful[0]]
    numbers = {t for t in tokens if t.isdigit()}
    if not numbers:
        return None
    if len(numbers) == 1:
        value = int(next(iter(numbers)))
        if 1 <= value <= options:
            return value
    return 0


def _from_words(check: ConfidenceCheck, tokens: tuple[str, ...]) -> int | None:
    """The option the words say; 0 when they say two answers that are not next to each other."""
    present = set(tokens)
    matches = [
        _Match(start, end, number)
        for number, key in check.option_keys
        if not key or key[0] in present  # a phrase whose first word is absent cannot match
        for start, end in _find(tokens, key)
    ]
    kept = {m.option for m in matches if not any(m.inside(other) for other in matches)}
    if not kept:
        return None
    if max(kept) - min(kept) > 1:
        return 0
    # Two neighbouring answers ("yes, with help", "no, never"): the less confident one.
    return max(kept)


def read_answer(check: ConfidenceCheck, text: str) -> int | None:
    """The option chosen, 1 (most confident) to 4; None when the message is not a clear answer."""
    tokens = words_key(text)
    if not tokens:
        return None
    number = _number(tokens, len(check.scale))
    words = _from_words(check, tokens)
    if number == 0 or words == 0:
        return None
    if number is not None and words is not None and number != words:
        return None
    return number or words
