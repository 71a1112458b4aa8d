"""Scores per area, the three levels and their thresholds, next steps, and progress."""

from __future__ import annotations

from bot.confidence.content import ConfidenceCheck
from bot.confidence.scoring import area_scores, level_for, next_question, progress, score
from tests.unit.confidence.conftest import all_answers

EASILY, WITH_HELP, NOT_REALLY, NEVER = 1, 2, 3, 4


def topics(check: ConfidenceCheck, answers: dict[str, int]) -> list[str]:
    return [step.topic for step in score(check, answers).next_steps]


def test_scores_are_percentages_per_area(check: ConfidenceCheck) -> None:
    answers = all_answers(check, EASILY, device=NEVER, wifi=WITH_HELP, scams=NOT_REALLY)
    scores = area_scores(check, answers)
    assert list(scores) == [area.id for area in check.areas]
    assert scores["foundation"] == round(100 * (0 + 2 + 3) / 9)
    assert scores["safety"] == 33
    assert scores["communicating"] == 100


def test_everything_easy_is_confident_with_steps_to_go_further(check: ConfidenceCheck) -> None:
    result = score(check, all_answers(check, EASILY))
    assert result.level.name == "Confident"
    assert result.total == 100
    assert [s.topic for s in result.next_steps] == ["become_champion", "learn_online"]


def test_everything_with_help_is_building_confidence(check: ConfidenceCheck) -> None:
    result = score(check, all_answers(check, WITH_HELP))
    assert result.level.name == "Building confidence"
    # Areas that score the same follow the file's order: the basics first.
    assert [s.topic for s in result.next_steps] == ["smartphone_basics", "email", "learn_online"]


def test_never_tried_or_not_really_is_getting_started(check: ConfidenceCheck) -> None:
    assert score(check, all_answers(check, NEVER)).level.name == "Getting started"
    assert score(check, all_answers(check, NOT_REALLY)).level.name == "Getting started"


def test_without_the_basics_a_resident_is_getting_started(check: ConfidenceCheck) -> None:
    answers = all_answers(check, EASILY, device=NEVER, wifi=NEVER, passwords=NOT_REALLY)
    result = score(check, answers)
    assert result.total >= 40, "a high total is not enough"
    assert result.level.name == "Getting started"
    assert [s.topic for s in result.next_steps] == ["smartphone_basics", "digital_champion"]


def test_one_weak_area_keeps_a_high_score_from_confident(check: ConfidenceCheck) -> None:
    result = score(check, all_answers(check, EASILY, scams=NOT_REALLY))
    assert result.total >= 80
    assert result.level.name == "Building confidence"
    assert result.next_steps[0].topic == "scams"


def test_a_little_help_here_and_there_is_still_confident(check: ConfidenceCheck) -> None:
    result = score(check, all_answers(check, EASILY, wifi=WITH_HELP, forms=WITH_HELP))
    assert result.level.name == "Confident"
    assert [s.topic for s in result.next_steps] == ["nhs_app", "free_wifi"], "weakest area first"


def test_steps_come_from_the_weakest_areas_at_most_three(check: ConfidenceCheck) -> None:
    answers = all_answers(check, EASILY, messages=NEVER, search=NOT_REALLY, scams=NEVER, forms=WITH_HELP)
    assert topics(check, answers) == ["email", "scams", "learn_online"]


def test_the_thresholds_sit_where_the_file_says(check: ConfidenceCheck) -> None:
    building, confident = check.levels[1], check.levels[2]
    every = dict.fromkeys((a.id for a in check.areas), 100)
    assert level_for(check, building.min_total - 1, every).name == "Getting started"
    assert level_for(check, building.min_total, every).name == "Building confidence"
    assert level_for(check, confident.min_total - 1, every).name == "Building confidence"
    assert level_for(check, confident.min_total, every).name == "Confident"
    assert level_for(check, 90, {**every, "foundation": 49}).name == "Getting started"


def test_questions_are_asked_in_order_and_unknown_answers_are_ignored(check: ConfidenceCheck) -> None:
    assert next_question(check, {}) == check.questions[0]
    assert next_question(check, {"device": 1, "gone": 2}) == check.questions[1]
    assert next_question(check, {"device": 9}) == check.questions[0]
    assert next_question(check, all_answers(check, NEVER)) is None


def test_progress_since_last_time(check: ConfidenceCheck) -> None:
    building = check.levels[1]
    assert progress(check, None, building) is None
    up = progress(check, "Getting started", building)
    assert up is not None and up.startswith("Last time: Getting started. Now: Building confidence.")
    assert "progress" in up
    assert progress(check, "Confident", building) == "Last time: Confident. Now: Building confidence."
    assert progress(check, "Building confidence", building) == (
        "Last time: Building confidence. Now: Building confidence."
    )
