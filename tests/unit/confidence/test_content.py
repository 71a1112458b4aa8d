"""The staff-editable data file: what it must hold, and the mistakes it catches."""

from __future__ import annotations

import copy
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.confidence.__main__ import main as check_file
from bot.confidence.content import (
    MAX_QUESTIONS,
    MIN_QUESTIONS,
    SMS_LIMIT,
    ConfidenceCheck,
    cached_check,
    load_check,
    parse_check,
    sms_question,
)
from bot.confidence.service import DATA_FILE, current_check, topic_titles
from bot.settings import get_settings

DATA = yaml.safe_load((get_settings().content_dir / DATA_FILE).read_text(encoding="utf-8"))
FRAMEWORK_AREAS = {
    "Foundation skills",
    "Communicating",
    "Handling information and content",
    "Transacting",
    "Problem solving",
    "Being safe and legal online",
}


def edited(change) -> dict:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(DATA)
    change(data)
    return data


def test_the_shipped_file_follows_the_essential_digital_skills_framework(check: ConfidenceCheck) -> None:
    assert MIN_QUESTIONS <= len(check.questions) <= MAX_QUESTIONS
    assert {area.framework for area in check.areas} == FRAMEWORK_AREAS
    foundation = [q.id for q in check.questions if q.area == "foundation"]
    assert {"device", "wifi", "passwords"} <= set(foundation)
    assert [level.name for level in check.levels] == ["Getting started", "Building confidence", "Confident"]
    assert [option.label for option in check.scale] == [
        "Yes, easily",
        "With some help",
        "Not really",
        "Never tried",
    ]


def test_one_plain_question_per_skill(check: ConfidenceCheck) -> None:
    assert len(check.questions) == 8
    for question in check.questions:
        assert question.text.endswith("?") and question.text.count("?") == 1, question.id
        assert " and/or " not in question.text and ";" not in question.text, question.id


@pytest.mark.parametrize("separator", ["\n", " / "])
def test_every_question_fits_one_sms_with_its_numbered_answers(
    check: ConfidenceCheck, separator: str
) -> None:
    assert check.questions
    for question in check.questions:
        text = sms_question(check, question).replace("\n", separator)
        assert len(text) <= SMS_LIMIT, (len(text), text)
        assert re.search(r"1 Yes, easily.+2 With some help.+3 Not really.+4 Never tried", text, re.S)


def test_next_steps_name_knowledge_base_topics(check: ConfidenceCheck, titles: dict[str, str]) -> None:
    assert check.topics() <= set(titles)
    with pytest.raises(ValueError, match="not in the knowledge base: nowhere"):
        parse_check(edited(lambda d: d["questions"][0]["next_step"].update(topic="nowhere")), titles)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["questions"].append(dict(d["questions"][0], id="ninth")), "at most 8"),
        (lambda d: d["questions"].__delitem__(slice(2, 8)), "at least 6"),
        (lambda d: d["questions"][1].update(id="device"), "question id 'device' is listed twice"),
        (lambda d: d["questions"][0].update(area="cooking"), "unknown area 'cooking'"),
        (
            lambda d: d["questions"][0].update(text="Can you " + "really " * 20 + "do it?"),
            "characters by SMS",
        ),
        (lambda d: d["scale"].pop(), "at least 4"),
        (
            lambda d: d["scale"][1].update(words="yes, a bit"),
            "'yes' is listed for 'Yes, easily' and 'With some help'",
        ),
        (lambda d: d["scale"][0].update(words=[True, "yeah"]), "put it in quotes"),
        (lambda d: d["scale"][3].update(points=5), "most confident first"),
        (lambda d: d["levels"][0].update(min_total=10), "lowest: it must have no minimums"),
        (lambda d: d["levels"].reverse(), "lowest"),
        (lambda d: d["levels"][1].update(min_area={"cooking": 50}), "unknown area 'cooking'"),
        (
            lambda d: d["areas"].append({"id": "gaming", "name": "Games", "framework": "None"}),
            "no question for",
        ),
        (lambda d: d["levels"][2].update(colour="green"), "Extra inputs"),
    ],
)
def test_mistakes_are_reported_plainly(change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_check(edited(change))


def test_an_edit_applies_without_a_restart_and_a_broken_edit_keeps_the_last_good_file(tmp_path: Path) -> None:
    path = tmp_path / "confidence.yml"
    path.write_text(yaml.safe_dump(DATA))
    assert cached_check(path).questions[0].id == "device"
    path.write_text(yaml.safe_dump(edited(lambda d: d["questions"][0].update(id="switch_on"))))
    os.utime(path, (1, 1))
    assert cached_check(path).questions[0].id == "switch_on"
    path.write_text("questions: [")
    os.utime(path, (2, 2))
    assert cached_check(path).questions[0].id == "switch_on"


def test_the_staff_command_checks_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check_file([]) == 0
    assert "Question 8 of 8" in capsys.readouterr().out
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(edited(lambda d: d["questions"][0].update(area="cooking"))))
    assert check_file([str(broken)]) == 1
    assert "unknown area 'cooking'" in capsys.readouterr().err


def test_the_current_check_is_the_file_checked_against_the_knowledge_base_and_follows_edits(
    tmp_path: Path,
) -> None:
    """`current_check` (its joined path and the topic titles kept between calls) gives what
    `cached_check` of the file with `topic_titles` gives, and an edit still applies at once."""
    settings = get_settings()
    content = tmp_path / "content"
    shutil.copytree(settings.content_dir, content)
    moved = settings.model_copy(update={"content_dir": content})
    path = content / DATA_FILE
    titles = topic_titles(moved)
    assert current_check(moved) is cached_check(path, titles)
    assert current_check(moved) == load_check(path, titles)
    data = yaml.safe_load(path.read_text())
    data["questions"][0]["text"] = "Can you switch on a phone or a computer by yourself?"
    path.write_text(yaml.safe_dump(data))
    os.utime(path, (1, 1))
    assert current_check(moved).questions[0].text == "Can you switch on a phone or a computer by yourself?"
