"""Rasa component: intents and knowledge-base topics from one linear model, without TensorFlow.

DIET (with no transformer layers) and the ResponseSelector were two TensorFlow models: about
6 ms of the engine's CPU per message and some 600 MB of its memory (bench/load.py,
docs/performance.md). On short messages a multinomial logistic regression over the same
sparse features (words, character n-grams, regexes) is as accurate (docs/nlu-report.md), and
a message costs one sparse matrix product.

Each `faq/<topic>` is a class of its own. A message's `faq` intent has the summed probability
of the topics, so that two close topics do not make a knowledge-base question look ambiguous
to the FallbackClassifier, and the topic goes into `response_selector` exactly as Rasa's
ResponseSelector puts it (the `utter_faq` retrieval action and the gateway read it there).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

WEIGHTS_FILE = "weights.npz"
LABELS_FILE = "labels.json"
RESPONSE_SELECTOR = "response_selector"


def sentence_features(message: Message) -> scipy.sparse.csr_matrix | None:
    """The message's sentence-level sparse features, L2-normalised so length does not shout."""
    sparse = message.get_sparse_features(TEXT)[1]
    if sparse is None:
        return None
    return normalize(scipy.sparse.csr_matrix(sparse.features), norm="l2")


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max())
    return shifted / shifted.sum()


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True, model_from=None
)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def required_components() -> list[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # C: inverse regularisation strength, chosen on tests/nlu/holdout.yml (make nlu-report).
        return {"C": 20.0, "max_iter": 3000, "ranking_length": 10, "retrieval_intent": "faq"}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        labels: list[str] | None = None,
        weights: np.ndarray | None = None,
        bias: np.ndarray | None = None,
        responses: dict[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._labels = labels or []
        self._weights = weights
        self._bias = bias
        self._responses = responses or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    # --- training -------------------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        rows, labels = [], []
        for example in training_data.intent_examples:
            features = sentence_features(example)
            if features is not None:
                rows.append(features)
                labels.append(example.get(INTENT_RESPONSE_KEY) or example.get(INTENT))
        if len(set(labels)) < 2:
            raise ValueError("LinearIntentClassifier needs examples of at least two intents.")
        model = LogisticRegression(C=float(self._config["C"]), max_iter=int(self._config["max_iter"]))
        model.fit(scipy.sparse.vstack(rows).tocsr(), labels)
        self._labels = [str(label) for label in model.classes_]
        self._weights = model.coef_.astype(np.float32)
        self._bias = model.intercept_.astype(np.float32)
        prefix = f"{self._config['retrieval_intent']}/"
        self._responses = {
            key: value for key, value in training_data.responses.items() if key.startswith(f"utter_{prefix}")
        }
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._storage.write_to(self._resource) as directory:
            np.savez(directory / WEIGHTS_FILE, weights=self._weights, bias=self._bias)
            (directory / LABELS_FILE).write_text(
                json.dumps({"labels": self._labels, "responses": self._responses}), encoding="utf-8"
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        with model_storage.read_from(resource) as directory:
            arrays = np.load(directory / WEIGHTS_FILE)
            saved = json.loads((directory / LABELS_FILE).read_text(encoding="utf-8"))
            return cls(
                config,
                model_storage,
                resource,
                saved["labels"],
                arrays["weights"],
                arrays["bias"],
                saved["responses"],
            )

    # --- prediction -----------------------------------------------------------------------------

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            features = sentence_features(message)
            if features is None or self._weights is None:
                continue
            scores = np.asarray(features @ self._weights.T).ravel() + self._bias
            self._set_prediction(message, softmax(scores))
        return messages

    def _set_prediction(self, message: Message, probabilities: np.ndarray) -> None:
        retrieval = str(self._config["retrieval_intent"])
        prefix = f"{retrieval}/"
        intents: dict[str, float] = {}
        topics: list[tuple[str, float]] = []
        for label, p in zip(self._labels, probabilities.tolist(), strict=True):
            if label.startswith(prefix):
                intents[retrieval] = intents.get(retrieval, 0.0) + p
                topics.append((label, p))
            else:
                intents[label] = p
        ranking = sorted(intents.items(), key=lambda item: item[1], reverse=True)
        ranking = ranking[: int(self._config["ranking_length"])]
        message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
        message.set(
            INTENT_RANKING_KEY, [{"name": name, "confidence": p} for name, p in ranking], add_to_output=True
        )
        if topics:
            self._set_topic(message, retrieval, sorted(topics, key=lambda item: item[1], reverse=True))

    def _set_topic(self, message: Message, retrieval: str, topics: list[tuple[str, float]]) -> None:
        """The topic as Rasa's ResponseSelector sets it, with its probability among the topics."""
        total = sum(p for _, p in topics) or 1.0
        best, p_best = topics[0]
        selector = message.get(RESPONSE_SELECTOR) or {}
        selector["all_retrieval_intents"] = [retrieval]
        selector[retrieval] = {
            "response": {
                "responses": self._responses.get(f"utter_{best}", [{"text": best}]),
                "confidence": p_best / total,
                "intent_response_key": best,
                "utter_action": f"utter_{best}",
            },
            "ranking": [
                {"id": index, "confidence": p / total, "intent_response_key": label}
                for index, (label, p) in enumerate(topics[: int(self._config["ranking_length"])])
            ],
        }
        message.set(RESPONSE_SELECTOR, selector, add_to_output=True)
