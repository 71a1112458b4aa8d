"""From answers to a result: a score per skill area, a level and the next steps.

Scores are whole percentages of the highest possible score (every answer "Yes, easily"), so
they stay comparable when staff change the number of questions, and the data file's
thresholds are compared with exactly the numbers staff can see in the results table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.confidence.content import ConfidenceCheck, Level, NextStep, Question

MAX_STEPS = 3
MIN_STEPS = 2

# Answers as the conversation keeps them: question id -> option number (1 = most confident).
Answers = Mapping[str, int]


@dataclass(frozen=True)
class Result:
    level: Level
    # Area id -> percentage, in the data file's order of areas.
    area_scores: dict[str, int]
    total: int
    next_steps: tuple[NextStep, ...]


def _points(check: ConfidenceCheck, option: int) -> int:
    return check.scale[option - 1].points


def _percent(points: int, most: int) -> int:
    return round(100 * points / most) if most else 0


def answered(check: ConfidenceCheck, answers: Answers) -> list[Question]:
    """The questions of the current file that have a valid answer."""
    return [q for q in check.questions if 1 <= answers.get(q.id, 0) <= len(check.scale)]


def next_question(check: ConfidenceCheck, answers: Answers) -> Question | None:
    """The first question without an answer, or None when the check is complete."""
    done = {q.id for q in answered(check, answers)}
    return next((q for q in check.questions if q.id not in done), None)


def area_scores(check: ConfidenceCheck, answers: Answers) -> dict[str, int]:
    scores = {}
    done = answered(check, answers)
    for area in check.areas:
        questions = [q for q in done if q.area == area.id]
        points = sum(_points(check, answers[q.id]) for q in questions)
        scores[area.id] = _percent(points, check.max_points * len(questions))
    return scores


def total_score(check: ConfidenceCheck, answers: Answers) -> int:
    done = answered(check, answers)
    points = sum(_points(check, answers[q.id]) for q in done)
    return _percent(points, check.max_points * len(done))


def meets(level: Level, total: int, areas: Mapping[str, int]) -> bool:
    return (
        total >= level.min_total
        and all(areas.get(area, 0) >= percent for area, percent in level.min_area.items())
        and all(score >= level.min_every_area for score in areas.values())
    )


def level_for(check: ConfidenceCheck, total: int, areas: Mapping[str, int]) -> Level:
    """The highest level whose rules are met (the lowest level has none)."""
    return next(level for level in reversed(check.levels) if meets(level, total, areas))


def next_steps(
    check: ConfidenceCheck, answers: Answers, areas: Mapping[str, int], level: Level
) -> tuple[NextStep, ...]:
    """One step for each of the weakest areas (up to three), from the weakest skill in each.

    Areas with the same score follow the data file's order, so the basics come first. When
    fewer than two areas have room to grow, the level's extra steps fill in.
    """
    order = {area.id: index for index, area in enumerate(check.areas)}
    weak = sorted((a for a, score in areas.items() if score < 100), key=lambda a: (areas[a], order[a]))
    steps: list[NextStep] = []
    for area in weak:
        questions = [q for q in answered(check, answers) if q.area == area]
        if not questions:
            continue
        weakest = min(questions, key=lambda q: (_points(check, answers[q.id]), check.questions.index(q)))
        if weakest.next_step.topic not in {s.topic for s in steps}:
            steps.append(weakest.next_step)
        if len(steps) == MAX_STEPS:
            break
    for extra in level.extra_steps:
        if len(steps) >= MIN_STEPS:
            break
        if extra.topic not in {s.topic for s in steps}:
            steps.append(extra)
    return tuple(steps)


def score(check: ConfidenceCheck, answers: Answers) -> Result:
    areas = area_scores(check, answers)
    total = total_score(check, answers)
    level = level_for(check, total, areas)
    return Result(level, areas, total, next_steps(check, answers, areas, level))


def progress(check: ConfidenceCheck, previous: str | None, now: Level) -> str | None:
    """ "Last time: Getting started. Now: Building confidence." (None on a first check)."""
    if previous is None:
        return None
    line = f"Last time: {previous}. Now: {now.name}."
    names = [level.name for level in check.levels]
    if previous in names and names.index(now.name) > names.index(previous):
        line += " That's great progress!"
    return line


def area_changes(check: ConfidenceCheck, before: Mapping[str, int], after: Mapping[str, int]) -> str:
    """Each area's change since last time, kindly: what went up first, nothing framed as failure.

    "Up since last time: Staying safe (+25), Using email (+10). The same: Your device."
    """
    names = {area.id: area.name for area in check.areas}
    up: list[tuple[str, int]] = []
    same: list[tuple[str, int]] = []
    down: list[tuple[str, int]] = []
    for area_id, name in names.items():
        if area_id not in before or area_id not in after:
            continue
        change = after[area_id] - before[area_id]
        (up if change > 0 else same if change == 0 else down).append((name, change))
    parts = []
    if up:
        parts.append("Up since last time: " + ", ".join(f"{name} (+{change})" for name, change in up) + ".")
    if same:
        parts.append("The same: " + ", ".join(name for name, _ in same) + ".")
    if down:
        parts.append("Worth another look: " + ", ".join(name for name, _ in down) + ".")
    return " ".join(parts)
