from pathlib import Path

import pytest
import yaml

from bot.kb.topics import SHORT_ANSWER_LIMIT, TOPIC_NAMES, Topic, load_topic, load_topics
from bot.settings import get_settings
from tests.readability import readability_problem

TOPICS = load_topics(get_settings().kb_dir)


def test_every_topic_has_one_file() -> None:
    assert sorted(TOPICS) == sorted(TOPIC_NAMES)


@pytest.mark.parametrize("name", TOPIC_NAMES)
def test_answers_are_short_plain_and_sourced(name: str) -> None:
    topic = TOPICS[name]
    assert len(topic.short_answer) <= SHORT_ANSWER_LIMIT
    assert readability_problem(topic.short_answer) is None, readability_problem(topic.short_answer)
    assert readability_problem(topic.full_answer) is None, readability_problem(topic.full_answer)
    assert topic.sources and all(source.source for source in topic.sources)
    assert len(set(topic.examples)) >= 30


def test_topics_do_not_share_examples() -> None:
    owner: dict[str, str] = {}
    assert len(TOPICS) > 1 and all(topic.examples for topic in TOPICS.values())
    for topic in TOPICS.values():
        for example in topic.examples:
            key = " ".join(example.lower().split())
            assert owner.setdefault(key, topic.topic) == topic.topic, f"{example!r} is in two topics"


def test_a_broken_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    good = yaml.safe_load((get_settings().kb_dir / "scams.yml").read_text())
    path = tmp_path / "scams.yml"
    path.write_text(yaml.safe_dump({**good, "short_answer": "x" * (SHORT_ANSWER_LIMIT + 1)}))
    with pytest.raises(ValueError, match="short_answer"):
        load_topic(path)
    path.write_text(yaml.safe_dump({**good, "topic": "free_data"}))
    with pytest.raises(ValueError, match="file name"):
        load_topic(path)


def test_missing_topics_are_named(tmp_path: Path) -> None:
    (tmp_path / "scams.yml").write_text((get_settings().kb_dir / "scams.yml").read_text())
    with pytest.raises(ValueError, match="free_data"):
        load_topics(tmp_path)


def test_topic_model_is_the_schema() -> None:
    assert set(Topic.model_fields) >= {
        "examples",
        "short_answer",
        "full_answer",
        "links",
        "sources",
        "last_reviewed",
    }
