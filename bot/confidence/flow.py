"""One turn of the check: what a message means for it, and what to say.

Checked in this order: a command (stop, start again, why), then an answer, then whether the
resident wants something else (the conversation layer decides that from the intent), then an
unclear answer: asked again once with the answers spelled out, and after a second one in a row
the check pauses with a way on, never a loop. Answers are kept until the check is finished, so
a stopped or paused check carries on where it was left.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from bot.confidence import wording
from bot.confidence.answers import Command, read_answer, read_command
from bot.confidence.content import ConfidenceCheck
from bot.confidence.scoring import answered, next_question
from bot.replies import Reply


class Outcome(enum.Enum):
    NEXT = "next"  # an answer; more questions to come
    DONE = "done"  # the last answer
    UNCLEAR = "unclear"  # ask again with the answers spelled out
    PAUSE = "pause"  # a second unclear answer in a row
    STOP = "stop"
    RESTART = "restart"
    WHY = "why"
    CARRY_ON = "carry_on"  # "check my confidence" while in the check
    ELSEWHERE = "elsewhere"  # the resident wants something else: the conversation takes over

    @property
    def ends_check(self) -> bool:
        return self in {Outcome.DONE, Outcome.PAUSE, Outcome.STOP}


@dataclass(frozen=True)
class Turn:
    outcome: Outcome
    answers: dict[str, int]
    # Said before the form asks its next question (or instead of it, when the check ends).
    reply: Reply | None = None
    unclear: bool = False


def take_turn(
    check: ConfidenceCheck,
    answers: Mapping[str, int],
    text: str,
    *,
    unclear_before: bool = False,
    wants_elsewhere: bool = False,
    wants_check: bool = False,
) -> Turn:
    kept = dict(answers)
    command = read_command(check, text)
    if command is Command.STOP:
        return Turn(Outcome.STOP, kept, wording.stopped(len(answered(check, kept))))
    if command is Command.RESTART:
        return Turn(Outcome.RESTART, {}, wording.start_again())
    if command is Command.WHY:
        return Turn(Outcome.WHY, kept, wording.why_we_ask(), unclear=unclear_before)
    asked = next_question(check, kept)
    if asked is None:
        return Turn(Outcome.DONE, kept)
    option = read_answer(check, text)
    if option is not None:
        kept[asked.id] = option
        done = next_question(check, kept) is None
        return Turn(Outcome.DONE if done else Outcome.NEXT, kept)
    if wants_check:
        return Turn(Outcome.CARRY_ON, kept, wording.carry_on())
    if wants_elsewhere:
        return Turn(Outcome.ELSEWHERE, kept)
    if unclear_before:
        return Turn(Outcome.PAUSE, kept, wording.paused())
    return Turn(Outcome.UNCLEAR, kept, unclear=True)
