"""The generated Rasa files carry the knowledge base faithfully (and nothing is written twice)."""

from pathlib import Path

import yaml

from bot.kb.answers import short_answer
from bot.kb.topics import load_topics
from bot.kb.training import write_training_data
from bot.settings import get_settings


def test_generated_files_match_the_knowledge_base(tmp_path: Path) -> None:
    (tmp_path / "nlu").mkdir()
    (tmp_path / "domain").mkdir()
    settings = get_settings()
    paths = write_training_data(settings.content_dir, tmp_path, taught=tmp_path / "no-taught.yml")
    nlu, lookups, domain, taught = (yaml.safe_load(p.read_text()) for p in paths)
    assert taught == {"version": "3.1", "nlu": []}  # nothing taught yet (tests/unit/teach)
    topics = load_topics(settings.kb_dir)

    intents = {block["intent"]: block["examples"] for block in nlu["nlu"]}
    assert set(intents) == {f"faq/{name}" for name in topics}
    for name, topic in topics.items():
        lines = [line[2:] for line in intents[f"faq/{name}"].splitlines()]
        assert len(lines) == len(set(topic.examples))
        response = domain["responses"][f"utter_faq/{name}"][0]
        assert response["text"] == topic.short_answer
        assert response["buttons"] == short_answer(topic).button_dicts()

    place_lookup = next(block for block in lookups["nlu"] if block.get("lookup") == "place")
    assert "- harehills" in place_lookup["examples"]


def test_square_brackets_cannot_turn_into_entity_annotations(tmp_path: Path) -> None:
    from bot.kb.training import _example_line

    assert _example_line("what is [this](thing)\nnow") == "    - what is (this)(thing) now\n"
