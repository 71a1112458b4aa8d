"""Rasa component: a message of words nobody knows is not understood, whatever the classifier says.

Character n-grams give keyboard mashing ("qwzx vbnm") a confident intent, and the bot
then answers "Great!" to nonsense. A word is known if the training data has it, or if it is
reasonably common English (spacy-lookups-data's word probabilities, the same package the
spaCy pipeline is built from). When no word of a message is known, the intent becomes
`nlu_fallback`, so the resident is asked to say it another way and offered the menu.
Words inside entities (postcodes, places) and messages without words (numbers, emoji, "/"
commands) are left alone.
"""

from __future__ import annotations

import gzip
import json
import re
from importlib import resources
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

WORD = re.compile(r"[^\W\d_]{2,}")
VOCABULARY_FILE = "vocabulary.json.gz"


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def common_english(min_log_probability: float) -> set[str]:
    table = resources.files("spacy_lookups_data") / "data" / "en_lexeme_prob.json.gz"
    with table.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        probabilities: dict[str, float] = json.load(handle)
    return {word for word, p in probabilities.items() if p >= min_log_probability and word.isalpha()}


def unknown_only(message: Message, vocabulary: frozenset[str]) -> bool:
    text = message.get(TEXT) or ""
    if text.startswith("/"):
        return False
    spans = [(e["start"], e["end"]) for e in message.get(ENTITIES) or [] if "start" in e and "end" in e]
    found = [
        match.group().lower()
        for match in WORD.finditer(text)
        if not any(start <= match.start() < end for start, end in spans)
    ]
    return bool(found) and not any(word in vocabulary for word in found)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # ln(p) >= -17 keeps about 140,000 words: "wifi" and "lol" are known, "qwzx" is not.
        return {"min_log_probability": -17.0}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: frozenset[str],
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsClassifier:
        return cls({**cls.get_default_config(), **config}, model_storage, resource, frozenset())

    def train(self, training_data: TrainingData) -> Resource:
        known = common_english(float(self._config["min_log_probability"]))
        for example in training_data.training_examples:
            known.update(words(example.get(TEXT) or ""))
        with (
            self._storage.write_to(self._resource) as directory,
            gzip.open(directory / VOCABULARY_FILE, "wt", encoding="utf-8") as handle,
        ):
            json.dump(sorted(known), handle)
        self._vocabulary = frozenset(known)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsClassifier:
        with (
            model_storage.read_from(resource) as directory,
            gzip.open(directory / VOCABULARY_FILE, "rt", encoding="utf-8") as handle,
        ):
            vocabulary = frozenset(json.load(handle))
        return cls({**cls.get_default_config(), **config}, model_storage, resource, vocabulary)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if unknown_only(message, self._vocabulary):
                fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
                message.set(INTENT, fallback, add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY,
                    [fallback, *(message.get(INTENT_RANKING_KEY) or [])],
                    add_to_output=True,
                )
        return messages
