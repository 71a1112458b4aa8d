"""The confidence check's data file (content/confidence.yml): its model, loading and validation.

Staff edit the file; everything the check asks, how answers are read, how they are scored and
what is suggested afterwards comes from it. A mistake is reported with its place in the file,
and checks that need the knowledge base (next-step topics) run when its folder is given.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

log = logging.getLogger(__name__)

SMS_LIMIT = 160
SCALE_SIZE = 4
MIN_QUESTIONS, MAX_QUESTIONS = 6, 8
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_WORD = re.compile(r"[a-z0-9%]+")


def words_key(text: str) -> tuple[str, ...]:
    """A phrase as the words it is matched by: lower case, no apostrophes or punctuation."""
    text = text.lower().replace("’", "'").replace("'", "")
    return tuple(_WORD.findall(text))


def _phrases(value: object) -> object:
    """Phrases as staff write them: "yes easily, easily, yes" (a YAML list works too)."""
    if isinstance(value, str):
        return tuple(phrase.strip() for phrase in value.split(",") if phrase.strip())
    if isinstance(value, list) and any(isinstance(item, bool) for item in value):
        raise ValueError("YAML reads a bare yes or no in a list as true/false: put it in quotes")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleOption(_Strict):
    label: str = Field(min_length=1, max_length=20)
    points: int = Field(ge=0)
    words: tuple[str, ...] = ()

    _split = field_validator("words", mode="before")(_phrases)


class Commands(_Strict):
    stop: tuple[str, ...] = Field(min_length=1)
    restart: tuple[str, ...] = Field(min_length=1)
    why: tuple[str, ...] = Field(min_length=1)

    _split = field_validator("stop", "restart", "why", mode="before")(_phrases)


class Area(_Strict):
    id: str
    name: str
    framework: str

    @field_validator("id")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"{value!r}: use lower-case letters, digits and _")
        return value


class NextStep(_Strict):
    topic: str
    text: str = Field(min_length=1, max_length=60)


class Question(_Strict):
    id: str
    area: str
    text: str = Field(min_length=10)
    next_step: NextStep

    @field_validator("id")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return Area._identifier(value)


class Level(_Strict):
    name: str
    says: str
    session: str
    min_total: int = Field(default=0, ge=0, le=100)
    min_area: dict[str, int] = Field(default_factory=dict)
    min_every_area: int = Field(default=0, ge=0, le=100)
    extra_steps: tuple[NextStep, ...] = Field(min_length=2)


class ConfidenceCheck(_Strict):
    scale: tuple[ScaleOption, ...] = Field(min_length=SCALE_SIZE, max_length=SCALE_SIZE)
    commands: Commands
    areas: tuple[Area, ...] = Field(min_length=1)
    questions: tuple[Question, ...] = Field(min_length=MIN_QUESTIONS, max_length=MAX_QUESTIONS)
    levels: tuple[Level, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _consistent(self) -> ConfidenceCheck:
        area_ids = [area.id for area in self.areas]
        _unique("area id", area_ids)
        _unique("question id", [q.id for q in self.questions])
        _unique("level name", [level.name for level in self.levels])
        _unique("answer label", [option.label for option in self.scale])
        for question in self.questions:
            if question.area not in area_ids:
                raise ValueError(f"question {question.id!r}: unknown area {question.area!r}")
        unasked = [a for a in area_ids if not any(q.area == a for q in self.questions)]
        if unasked:
            raise ValueError(f"no question for area(s) {', '.join(unasked)}")
        points = [option.points for option in self.scale]
        if points != sorted(points, reverse=True) or len(set(points)) != len(points):
            raise ValueError("scale: list the answers most confident first, each with fewer points")
        self._check_words()
        self._check_levels(area_ids)
        for question in self.questions:
            length = len(sms_question(self, question))
            if length > SMS_LIMIT:
                raise ValueError(
                    f"question {question.id!r} is {length} characters by SMS (limit {SMS_LIMIT})"
                )
        return self

    def _check_words(self) -> None:
        seen: dict[tuple[str, ...], str] = {}
        for option in self.scale:
            for phrase in (option.label, *option.words):
                key = words_key(phrase)
                if not key:
                    raise ValueError(f"scale {option.label!r}: {phrase!r} has no words")
                if seen.get(key, option.label) != option.label:
                    raise ValueError(f"scale: {phrase!r} is listed for {seen[key]!r} and {option.label!r}")
                seen[key] = option.label

    def _check_levels(self, area_ids: list[str]) -> None:
        first = self.levels[0]
        if first.min_total or first.min_area or first.min_every_area:
            raise ValueError(f"level {first.name!r} is the lowest: it must have no minimums")
        totals = [level.min_total for level in self.levels]
        if totals != sorted(totals):
            raise ValueError("levels: list them lowest first (min_total must not go down)")
        for level in self.levels:
            for area, percent in level.min_area.items():
                if area not in area_ids:
                    raise ValueError(f"level {level.name!r}: unknown area {area!r}")
                if not 0 <= percent <= 100:
                    raise ValueError(f"level {level.name!r}: {area} must be a percentage")

    @cached_property
    def option_keys(self) -> tuple[tuple[int, tuple[str, ...]], ...]:
        """(option number, words key) of every label and phrase of the scale, in the file's order.

        Made once per version of the file (the model is frozen): reading an answer compares
        these with the message instead of splitting every phrase again (bot.confidence.answers).
        """
        return tuple(
            (number, words_key(phrase))
            for number, option in enumerate(self.scale, start=1)
            for phrase in (option.label, *option.words)
        )

    @cached_property
    def command_keys(self) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """The words keys of the stop, restart and why phrases (in that order), made once."""
        commands = self.commands
        return tuple(
            tuple(words_key(phrase) for phrase in phrases)
            for phrases in (commands.stop, commands.restart, commands.why)
        )

    @property
    def max_points(self) -> int:
        return self.scale[0].points

    def area(self, area_id: str) -> Area:
        return next(area for area in self.areas if area.id == area_id)

    def topics(self) -> set[str]:
        """Every knowledge-base topic the check can suggest."""
        steps = [q.next_step for q in self.questions] + [
            s for level in self.levels for s in level.extra_steps
        ]
        return {step.topic for step in steps}


def _unique(what: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} is listed twice")
        seen.add(value)


def question_line(check: ConfidenceCheck, question: Question) -> str:
    number = check.questions.index(question) + 1
    return f"Question {number} of {len(check.questions)}: {question.text}"


def numbered_options(check: ConfidenceCheck) -> str:
    """The answers as an SMS lists them: one per line, with the number to send."""
    return "\n".join(f"{number} {option.label}" for number, option in enumerate(check.scale, start=1))


def sms_question(check: ConfidenceCheck, question: Question) -> str:
    """A question exactly as an SMS resident reads it (the channel lists the buttons by number)."""
    return f"{question_line(check, question)}\n{numbered_options(check)}"


def parse_check(data: object, topics: Mapping[str, str] | None = None) -> ConfidenceCheck:
    """Validate the file's data. `topics` (name -> title) also checks the next-step topics exist."""
    check = ConfidenceCheck.model_validate(data)
    if topics is not None:
        missing = sorted(check.topics() - set(topics))
        if missing:
            raise ValueError(
                f"next steps name topics that are not in the knowledge base: {', '.join(missing)}"
            )
    return check


def load_check(path: Path, topics: Mapping[str, str] | None = None) -> ConfidenceCheck:
    return parse_check(yaml.safe_load(path.read_text(encoding="utf-8")), topics)


_cache: dict[Path, tuple[float, ConfidenceCheck]] = {}


def cached_check(path: Path, topics: Mapping[str, str] | None = None) -> ConfidenceCheck:
    """The check, read again when the file changed, so staff edits apply without a restart.

    An edit with a mistake is logged and the last good version stays in use; with no good
    version yet, the mistake is raised.
    """
    modified = path.stat().st_mtime
    cached = _cache.get(path)
    if cached is None or cached[0] != modified:
        try:
            _cache[path] = (modified, load_check(path, topics))
        except (ValueError, yaml.YAMLError):
            if cached is None:
                raise
            log.exception("%s has a mistake: still using the version loaded before", path)
            _cache[path] = (modified, cached[1])
    return _cache[path][1]
