"""The held-out NLU set (tests/nlu/holdout.yml) must never leak into the training data,
or the accuracy in docs/nlu-report.md would flatter the model."""

from __future__ import annotations

import re

import yaml

from bot.kb.topics import load_topics
from bot.settings import ROOT, get_settings
from bot.teach.taught_file import read_file

ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def normalise(example: str) -> str:
    text = ANNOTATION.sub(r"\1", example).lower()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split())


def examples_of(path: str) -> set[str]:
    data = yaml.safe_load((ROOT / path).read_text())
    return {
        normalise(line[2:])
        for block in data.get("nlu", [])
        if "intent" in block
        for line in block["examples"].splitlines()
        if line.startswith("- ")
    }


def test_no_held_out_message_is_trained_on() -> None:
    areas = ("core", "find_help", "confidence", "conversation")
    training = set().union(*(examples_of(f"nlu/{name}.yml") for name in areas))
    training |= {
        normalise(e) for topic in load_topics(get_settings().kb_dir).values() for e in topic.examples
    }
    # What staff taught in the admin (bot.teach): refused there, and left out at train time too.
    training |= {normalise(e.text) for e in read_file(get_settings().content_dir / "taught.yml")}
    leaked = sorted(examples_of("tests/nlu/holdout.yml") & training)
    assert not leaked, f"{len(leaked)} held-out messages are in the training data: {leaked[:10]}"
