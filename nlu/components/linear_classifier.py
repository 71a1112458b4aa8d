"""Rasa component: intents and knowledge-base topics from one linear model, without TensorFlow.

DIET (with no transformer layers) and the ResponseSelector were two TensorFlow models: a parse
cost 4.7 ms of CPU (2.0 now) and the models some 600 MB of the engine's memory (bench/load.py,
docs/performance.md). On short messages a multinomial logistic regression over the same
sparse features (words, character n-grams, regexes) is about as accurate (its figures on the
held-out set are in docs/nlu-report.md, written by `make nlu-report`), and a message reads a
few rows of one weight matrix.

Each `faq/<topic>` is a class of its own. A message's `faq` intent has the summed probability
of the topics, so that two close topics do not make a knowledge-base question look ambiguous
to the FallbackClassifier, and the topic goes into `response_selector` exactly as Rasa's
ResponseSelector puts it (the `utter_faq` retrieval action and the gateway read it there).
"""

from __future__ import annotations

import json
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

WEIGHTS_FILE = "weights.npz"
LABELS_FILE = "labels.json"
RESPONSE_SELECTOR = "response_selector"
Array: TypeAlias = "npt.NDArray[Any]"


def sentence_row(message: Message) -> tuple[Array, Array, int] | None:
    """The message's sentence-level sparse features as (columns, values, width), L2-normalised.

    The featurizers' rows are put side by side in pipeline order, as Rasa's own combination
    would, but without building sparse matrices for it: a message is a few dozen numbers.
    Normalised so that a long message does not weigh more than a short one.
    """
    columns, values, width = [], [], 0
    for feature in message.features:
        if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SENTENCE or not feature.is_sparse():
            continue
        indices, data, row_width = _single_row(feature.features)
        columns.append(indices + width)
        values.append(data)
        width += row_width
    if not columns:
        return None
    data = np.concatenate(values).astype(np.float32)
    norm = float(np.sqrt(np.dot(data, data)))
    return np.concatenate(columns), (data / norm if norm else data), width


def _single_row(matrix: Any) -> tuple[Array, Array, int]:
    """The columns and values of a one-row sparse matrix as its canonical CSR form has them
    (columns ascending, duplicates summed).

    A featurizer's COO row with int32 indices, columns already ascending and a plain dtype is
    that form (CountVectorsFeaturizer's and RegexFeaturizer's are), so it is read as it is:
    converting it cost more than the rest of the classification. Anything else is converted
    as before.
    """
    if _is_canonical_row(matrix):
        return matrix.col, matrix.data, int(matrix.shape[1])
    row = scipy.sparse.csr_matrix(matrix)
    row.sum_duplicates()
    return row.indices, row.data, int(row.shape[1])


def _is_canonical_row(matrix: Any) -> bool:
    if not isinstance(matrix, scipy.sparse.coo_matrix) or matrix.shape[0] != 1:
        return False
    col = matrix.col
    return (
        matrix.row.dtype is _INT32
        and col.dtype is _INT32
        and matrix.data.dtype in _PLAIN_DTYPES
        and matrix.row.size == col.size == matrix.data.size
        and max(col.size, matrix.shape[1]) < _INT32_MAX
        and (col.size < 2 or bool((col[1:] > col[:-1]).all()))
    )


_INT32 = np.dtype(np.int32)
_INT32_MAX = int(np.iinfo(np.int32).max)
# Value dtypes that scipy keeps as they are in a CSR conversion (its `upcast` of each is itself).
_PLAIN_DTYPES = frozenset(np.dtype(name) for name in ("int64", "float64", "float32"))


def softmax(scores: Array) -> Array:
    shifted = np.exp(scores - scores.max())
    probabilities: Array = shifted / shifted.sum()
    return probabilities


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
        # ranking_length: how many intents (and topics) the parse keeps; every event carries it.
        return {"C": 60.0, "max_iter": 3000, "ranking_length": 5, "retrieval_intent": "faq"}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        labels: list[str] | None = None,
        weights: Array | None = None,
        bias: Array | None = None,
        responses: dict[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._labels = labels or []
        self._kinds: tuple[list[str], str, list[tuple[str, bool]]] | None = None
        self._weights: Array | None = None
        self._bias: Array | None = None
        if weights is not None and bias is not None:
            self._set_weights(weights, bias)
        self._responses = responses or {}

    def _set_weights(self, weights: Array, bias: Array) -> None:
        # Kept as one row per feature, so a message reads only the rows of its own features.
        self._weights = np.ascontiguousarray(np.asarray(weights, dtype=np.float32).T)
        self._bias = np.asarray(bias, dtype=np.float32)

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
        columns, values, pointers, labels, width = [], [], [0], [], 0
        for example in training_data.intent_examples:
            row = sentence_row(example)
            if row is not None:
                columns.append(row[0])
                values.append(row[1])
                pointers.append(pointers[-1] + len(row[0]))
                labels.append(example.get(INTENT_RESPONSE_KEY) or example.get(INTENT))
                width = row[2]
        if len(set(labels)) < 2:
            raise ValueError("LinearIntentClassifier needs examples of at least two intents.")
        matrix = scipy.sparse.csr_matrix(
            (np.concatenate(values), np.concatenate(columns), np.array(pointers)), shape=(len(labels), width)
        )
        model = LogisticRegression(C=float(self._config["C"]), max_iter=int(self._config["max_iter"]))
        model.fit(matrix, labels)
        self._labels = [str(label) for label in model.classes_]
        self._set_weights(model.coef_, model.intercept_)
        prefix = f"{self._config['retrieval_intent']}/"
        self._responses = {
            key: value for key, value in training_data.responses.items() if key.startswith(f"utter_{prefix}")
        }
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._storage.write_to(self._resource) as directory:
            np.savez(
                directory / WEIGHTS_FILE, weights=np.asarray(self._weights).T, bias=np.asarray(self._bias)
            )
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
            row = sentence_row(message)
            if row is None or self._weights is None or self._bias is None:
                # No features (an empty message): no intent, as DIET gives, for the fallback.
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                continue
            columns, values, _ = row
            known = columns < self._weights.shape[0]
            scores = values[known] @ self._weights[columns[known]] + self._bias
            self._set_prediction(message, softmax(scores))
        return messages

    def _set_prediction(self, message: Message, probabilities: Array) -> None:
        retrieval = str(self._config["retrieval_intent"])
        prefix = f"{retrieval}/"
        intents: dict[str, float] = {}
        topics: list[tuple[str, float]] = []
        for (label, is_topic), p in zip(self._label_kinds(prefix), probabilities.tolist(), strict=True):
            if is_topic:
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

    def _label_kinds(self, prefix: str) -> list[tuple[str, bool]]:
        """Each label, and whether it is a topic (starts with `prefix`): worked out once."""
        kept = self._kinds
        if kept is None or kept[0] is not self._labels or kept[1] != prefix:
            kept = self._kinds = (
                self._labels,
                prefix,
                [(label, label.startswith(prefix)) for label in self._labels],
            )
        return kept[2]

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
