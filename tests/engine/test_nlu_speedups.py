"""engine/nlu_speedups.py and the classifier's row reading give exactly what Rasa's own code gives.

The trained model (models/) is loaded once; every message of the training data under nlu/, the
held-out set and some odd inputs goes through Rasa's pipeline up to a component, then through
Rasa's method and ours, and every matrix (type, shape, dtype, rows, columns, values, attributes)
and token mark is compared, and so is the whole parse with and without `patches.apply()`.
"""

from __future__ import annotations

import re
import unittest
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse
from rasa.core.agent import Agent
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer import LexicalSyntacticFeaturizer
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from engine import nlu_speedups, patches
from nlu.components import entities, linear_classifier
from tests.engine.support import start_from_rasa_as_shipped

ROOT = Path(__file__).resolve().parents[2]

ODD = [
    "",
    " ",
    "\n\t ",
    "👍🏽🎉😀",
    "hi 👋 can u help me get online 🙏",
    "Привет, как дела? Мне нужна помощь с интернетом",
    "مرحبا، أحتاج مساعدة",
    "你好，我想学电脑",
    "नमस्ते मुझे मदद चाहिए",
    "İstanbul ſ K Kelvin ǅ ß ﬁ",
    "cafe\u0301 na\u00efve re\u0301sume\u0301",
    "zero\u200bwidth\u00a0space",
    "HELLO IS ANYONE THERE",
    "ls97ab HAREHILLS ls9 7ab LS 9 LS99 7ZZ bd1 wf1",
    "i live in Chapel Allerton near chapeltown and hyde park, also Hunslet Carr",
    "b4 m8 l8 w8 n1 e2 mp3",
    "/greet",
    '/inform{"postcode": "LS9 7AB"}',
    "!!!???...",
    "1234 5678",
    "a",
    "qwzx vbnm",
    "hello " * 834,
    ("I need help with my phone near Armley " * 120)[:5000],
    "".join(chr(code) for code in range(0x20, 0x2000, 7)),
]


EVERY_NTH_TRAINING_EXAMPLE = 3  # a third of the training data (the whole pipeline runs per text and
# per component compared, so all of it took minutes of `make test`); all of the held-out set


def texts() -> list[str]:
    training: list[str] = []
    for source in sorted((ROOT / "nlu").glob("*.yml")):
        data = load_data(str(source))
        training.extend(str(example.get("text")) for example in data.training_examples if example.get("text"))
    held_out = load_data(str(ROOT / "tests" / "nlu" / "holdout.yml")).training_examples
    found = list(dict.fromkeys(training))[::EVERY_NTH_TRAINING_EXAMPLE]
    found += [str(example.get("text")) for example in held_out if example.get("text")]
    return list(dict.fromkeys(found)) + ODD


def same_matrix(test: unittest.TestCase, fast: Any, slow: Any, where: str) -> None:
    if slow is None or fast is None:
        test.assertIs(fast, slow, where)
        return
    test.assertIs(type(fast), type(slow), where)
    test.assertEqual(fast.shape, slow.shape, where)
    test.assertEqual(fast.dtype, slow.dtype, where)
    test.assertEqual(sorted(vars(fast)), sorted(vars(slow)), where)
    for name, value in vars(slow).items():
        mine = vars(fast)[name]
        if isinstance(value, np.ndarray):
            test.assertEqual(mine.dtype, value.dtype, f"{where}: {name}")
            np.testing.assert_array_equal(mine, value, err_msg=f"{where}: {name}")
        else:
            test.assertEqual(mine, value, f"{where}: {name}")


def same_features(test: unittest.TestCase, fast: Message, slow: Message, where: str) -> None:
    test.assertEqual(len(fast.features), len(slow.features), where)
    for mine, theirs in zip(fast.features, slow.features, strict=True):
        test.assertEqual(
            (mine.type, mine.attribute, mine.origin), (theirs.type, theirs.attribute, theirs.origin)
        )
        same_matrix(test, mine.features, theirs.features, f"{where}: {theirs.type} {theirs.origin}")


def matrix_fields(matrix: Any) -> tuple[Any, ...]:
    coo = scipy.sparse.coo_matrix(matrix)
    return (
        type(matrix),
        matrix.shape,
        str(matrix.dtype),
        coo.row.tolist(),
        coo.col.tolist(),
        coo.data.tolist(),
    )


def token_marks(message: Message) -> list[tuple[str, int, int, Any]]:
    return [
        (token.text, token.start, token.end, token.get("pattern"))
        for token in message.get("text_tokens") or []
    ]


def as_before(classifier: Any, message: Message) -> None:
    """LinearIntentClassifier.process as it was before its rows were read without scipy
    (commit ecabd30): the reference the classifier is compared with."""
    columns, values, width = [], [], 0
    for feature in message.features:
        if feature.attribute != TEXT or feature.type != "sentence" or not feature.is_sparse():
            continue
        row = scipy.sparse.csr_matrix(feature.features)
        row.sum_duplicates()
        columns.append(row.indices + width)
        values.append(row.data)
        width += row.shape[1]
    if not columns:
        message.set("intent", {"name": None, "confidence": 0.0}, add_to_output=True)
        message.set("intent_ranking", [], add_to_output=True)
        return
    data = np.concatenate(values).astype(np.float32)
    norm = float(np.sqrt(np.dot(data, data)))
    indices, data = np.concatenate(columns), (data / norm if norm else data)
    known = indices < classifier._weights.shape[0]
    scores = data[known] @ classifier._weights[indices[known]] + classifier._bias
    retrieval = str(classifier._config["retrieval_intent"])
    intents: dict[str, float] = {}
    topics: list[tuple[str, float]] = []
    for label, p in zip(classifier._labels, linear_classifier.softmax(scores).tolist(), strict=True):
        if label.startswith(f"{retrieval}/"):
            intents[retrieval] = intents.get(retrieval, 0.0) + p
            topics.append((label, p))
        else:
            intents[label] = p
    ranking = sorted(intents.items(), key=lambda item: item[1], reverse=True)[
        : int(classifier._config["ranking_length"])
    ]
    message.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
    message.set("intent_ranking", [{"name": n, "confidence": p} for n, p in ranking], add_to_output=True)
    if topics:
        classifier._set_topic(message, retrieval, sorted(topics, key=lambda item: item[1], reverse=True))


class ModelTest(unittest.TestCase):
    agent: ClassVar[Agent]
    nodes: ClassVar[dict[str, Any]]
    texts: ClassVar[list[str]]

    @classmethod
    def setUpClass(cls) -> None:
        model = max((ROOT / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
        cls.agent = Agent.load(str(model))
        cls.nodes = cls.agent.processor.graph_runner._instantiated_nodes
        cls.texts = texts()

    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)

    def node_names(self) -> list[str]:
        return [name for name in self.nodes if name.startswith("run_") and "Policy" not in name]

    def run_node(self, name: str, messages: list[Message]) -> list[Message]:
        component = self.nodes[name]._component
        if name.startswith("run_SpacyNLP") or "EntityExtractor" in name:
            spacy_model = self.nodes["provide_SpacyNLP0"]._component.provide()
            result: list[Message] = component.process(messages, spacy_model)
        elif name.startswith("run_RegexMessageHandler"):
            result = component.process(messages, None)
        else:
            result = component.process(messages)
        return result

    def until(self, text: str, stop: str) -> list[Message]:
        """The message as Rasa's pipeline has made it when it reaches node `stop`."""
        messages = [Message(data={"text": text})]
        for name in self.node_names():
            if name == stop:
                break
            messages = self.run_node(name, messages)
        return messages

    def components(self, kind: type) -> list[tuple[str, Any]]:
        return [
            (name, node._component)
            for name, node in self.nodes.items()
            if name.startswith("run_") and type(node._component) is kind
        ]

    def compare_process(self, kind: type, fast_process: Callable[[Any], Callable[..., Any]]) -> None:
        found = self.components(kind)
        self.assertTrue(found, f"the model has a {kind.__name__}")
        original = vars(kind)["process"]
        fast = fast_process(original)
        for name, component in found:
            for text in self.texts:
                slow_messages = original(component, self.until(text, name))
                fast_messages = fast(component, self.until(text, name))
                where = f"{name} on {text[:60]!r}"
                same_features(self, fast_messages[0], slow_messages[0], where)
                self.assertEqual(token_marks(fast_messages[0]), token_marks(slow_messages[0]), where)

    def test_there_are_many_messages_to_compare(self) -> None:
        self.assertGreater(len(self.texts), 1000)

    def test_count_vectors_give_the_same_matrices(self) -> None:
        self.compare_process(CountVectorsFeaturizer, nlu_speedups.count_vectors_process)

    def test_regex_features_give_the_same_matrices_and_token_marks(self) -> None:
        self.compare_process(RegexFeaturizer, nlu_speedups.regex_process)

    def test_lexical_features_give_the_same_matrices(self) -> None:
        self.compare_process(LexicalSyntacticFeaturizer, nlu_speedups.lexical_process)

    def test_entities_from_the_shared_doc_are_those_of_a_second_parse(self) -> None:
        name = next(name for name in self.node_names() if "EntityExtractor" in name)
        extractor = self.nodes[name]._component
        nlp = self.nodes["provide_SpacyNLP0"]._component.provide().model
        shared = 0
        for text in [*self.texts, *(text.lower() for text in self.texts)]:
            doc = self.until(text, name)[0].get(SPACY_DOCS[TEXT])
            shared += entities._made_from(doc, nlp, text[: entities.MAX_TEXT_CHARS])
            self.assertEqual(extractor.extract(nlp, text, doc), extractor.extract(nlp, text), text[:60])
        self.assertGreater(shared, len(self.texts) / 2)
        self.assertFalse(entities._made_from(nlp("other text"), nlp, "text"))
        self.assertFalse(entities._made_from(None, nlp, "text"))

    def test_the_classifier_gives_what_it_gave_before(self) -> None:
        name = next(name for name in self.node_names() if "LinearIntentClassifier" in name)
        classifier = self.nodes[name]._component
        patches.apply()
        for text in self.texts:
            fast = classifier.process(self.until(text, name))[0]
            slow = self.until(text, name)[0]
            as_before(classifier, slow)
            self.assertEqual(
                fast.as_dict(only_output_properties=True), slow.as_dict(only_output_properties=True)
            )

    def test_the_classifier_reads_the_same_rows(self) -> None:
        name = next(name for name in self.node_names() if "LinearIntentClassifier" in name)
        patches.apply()
        for text in self.texts:
            for feature in self.until(text, name)[0].features:
                if feature.type != "sentence":
                    continue
                expected = scipy.sparse.csr_matrix(feature.features)
                expected.sum_duplicates()
                self.same_row(linear_classifier._single_row(feature.features), expected, text)

    def same_row(self, row: tuple[Any, Any, int], expected: Any, where: str) -> None:
        indices, data, width = row
        self.assertEqual(width, expected.shape[1], where)
        self.assertEqual((indices.dtype, data.dtype), (expected.indices.dtype, expected.data.dtype), where)
        np.testing.assert_array_equal(indices, expected.indices, err_msg=where)
        np.testing.assert_array_equal(data, expected.data, err_msg=where)

    def test_whole_parses_are_the_same(self) -> None:
        slow = [self.parse(text) for text in self.texts]
        patches.apply()
        self.assertTrue(all(patches.in_place().values()))
        fast = [self.parse(text) for text in self.texts]
        for text, mine, theirs in zip(self.texts, fast, slow, strict=True):
            self.assertEqual(mine, theirs, text[:60])

    def parse(self, text: str) -> dict[str, Any]:
        messages = [Message(data={"text": text})]
        for name in self.node_names():
            messages = self.run_node(name, messages)
        message = messages[0]
        return {
            "output": message.as_dict(only_output_properties=True),
            "features": [
                (feature.type, feature.origin, *matrix_fields(feature.features))
                for feature in message.features
            ],
        }


class SingleRowTest(unittest.TestCase):
    """The classifier's row reading on rows no featurizer of ours makes, too."""

    def test_any_one_row_matrix_reads_as_its_canonical_csr(self) -> None:
        coo = scipy.sparse.coo_matrix
        rows = [
            coo((np.array([1, 2], dtype=np.int64), (np.array([0, 0]), np.array([3, 1]))), shape=(1, 5)),
            coo((np.array([1.0, 2.0, 4.0]), (np.array([0, 0, 0]), np.array([1, 1, 4]))), shape=(1, 5)),
            coo(
                (np.array([], dtype=np.int64), (np.array([], dtype=int), np.array([], dtype=int))),
                shape=(1, 5),
            ),
            coo((np.array([0.0, 2.5], dtype=np.float32), (np.array([0, 0]), np.array([0, 2]))), shape=(1, 3)),
            coo((np.array([True, True]), (np.array([0, 0]), np.array([0, 2]))), shape=(1, 3)),
            coo(np.array([[0.0, 1.0, 0.0, 1.0]])),
            scipy.sparse.csr_matrix(np.array([[0, 3, 0, 1]])),
            coo(np.array([[1, 0], [0, 1]])),
        ]
        for matrix in rows:
            expected = scipy.sparse.csr_matrix(matrix)
            expected.sum_duplicates()
            indices, data, width = linear_classifier._single_row(matrix)
            self.assertEqual(
                (indices.dtype, data.dtype, width),
                (expected.indices.dtype, expected.data.dtype, expected.shape[1]),
            )
            np.testing.assert_array_equal(indices, expected.indices)
            np.testing.assert_array_equal(data, expected.data)


class CountTest(unittest.TestCase):
    """Vectorizers configured as Rasa configures them, on token lists spaCy would not make."""

    TOKENS: ClassVar[list[list[str]]] = [
        ["hello", "there"],
        ["hello", "hello", "HELLO", "Hello"],
        ["a b", "c"],
        ["", "x"],
        ["  ", "y"],
        ["x\u00a0y", "z"],
        ["ΑΣ", "Σ", "ΟΔΟΣ."],
        ["İstanbul", "ﬁne", "STRASSE", "ß"],
        ["don't", "can't", "e-mail", "wi-fi"],
        ["ls9", "7ab", "3d"],
        ["\u200b", "naïve", "cafe\u0301"],
        ["👍🏽", "🎉"],
        ["zzzzqqq"],
    ]

    def vectorizers(self) -> list[Any]:
        from sklearn.feature_extraction.text import CountVectorizer

        corpus = [" ".join(tokens) for tokens in self.TOKENS] + ["hello there general", "ab bc cd"]
        made = []
        for analyzer, ngrams, binary in [
            ("word", (1, 1), False),
            ("char_wb", (2, 4), False),
            ("word", (1, 2), False),
            ("char", (1, 3), False),
            ("word", (1, 1), True),
        ]:
            vectorizer = CountVectorizer(
                token_pattern=nlu_speedups.WORD_TOKENS if analyzer == "word" else None,
                lowercase=True,
                ngram_range=ngrams,
                analyzer=analyzer,
                binary=binary,
            )
            made.append(vectorizer.fit(corpus))
        return made

    def test_the_same_matrices_as_transform(self) -> None:
        from types import SimpleNamespace

        for vectorizer in self.vectorizers():
            featurizer = SimpleNamespace(
                vectorizers={"text": vectorizer},
                _create_features=lambda attribute, all_tokens, v=vectorizer: self.rasa(v, all_tokens[0]),
            )
            for _ in range(2):  # the second time from the kept token counts
                for tokens in self.TOKENS:
                    expected = self.rasa(vectorizer, tokens)
                    found = nlu_speedups._count_features(featurizer, "text", tokens)  # type: ignore[arg-type]
                    where = f"{vectorizer.analyzer} {vectorizer.ngram_range} {tokens}"
                    same_matrix(self, found[0], expected[0][0], where)
                    same_matrix(self, found[1], expected[1][0], where)

    def test_the_kept_token_counts_stay_few(self) -> None:
        from types import SimpleNamespace
        from unittest import mock

        vectorizer = self.vectorizers()[1]
        featurizer = SimpleNamespace(vectorizers={"text": vectorizer})
        with mock.patch.object(nlu_speedups, "MAX_KEPT_TOKENS", 3):
            for tokens in self.TOKENS * 2:
                found = nlu_speedups._count_features(featurizer, "text", tokens)  # type: ignore[arg-type]
                same_matrix(self, found[0], self.rasa(vectorizer, tokens)[0][0], str(tokens))
                self.assertLessEqual(len(nlu_speedups._counting(vectorizer).tokens), 3)

    @staticmethod
    def rasa(vectorizer: Any, tokens: list[str]) -> tuple[list[Any], list[Any]]:
        sequence = vectorizer.transform(tokens)
        sequence.sort_indices()
        sentence = vectorizer.transform([" ".join(tokens)])
        sentence.sort_indices()
        return [sequence.tocoo()], [sentence.tocoo()]


class CooTest(unittest.TestCase):
    def test_coo_is_what_scipy_makes(self) -> None:
        row, col = np.array([0, 0, 1], dtype=np.int32), np.array([1, 4, 2], dtype=np.int32)
        data = np.array([2, 1, 1], dtype=np.int64)
        mine = nlu_speedups.coo((2, 9), row, col, data, canonical=False)
        theirs = scipy.sparse.coo_matrix((data, (row, col)), shape=(2, 9))
        same_matrix(self, mine, theirs, "from arrays")
        dense = np.zeros((3, 4))
        dense[0, 1] = dense[2, 0] = dense[2, 3] = 1.0
        ones = nlu_speedups._ones((3, 4), [(0, 1), (2, 0), (2, 3)])
        same_matrix(self, ones, scipy.sparse.coo_matrix(dense), "from dense")
        same_matrix(self, nlu_speedups._ones((1, 4), []), scipy.sparse.coo_matrix(np.zeros((1, 4))), "empty")


class GroupedLookupTest(unittest.TestCase):
    def test_no_character_matches_two_first_characters(self) -> None:
        everything = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
        seen: dict[str, str] = {}
        for first in sorted(nlu_speedups._GROUPABLE_FIRST):
            for flags in (0, re.IGNORECASE):
                for char in re.findall(re.escape(first), everything, flags=flags):
                    self.assertIn(
                        seen.setdefault(char, first), first, f"{char!r} matches {first} and {seen[char]}"
                    )

    def test_grouped_patterns_find_the_same_matches(self) -> None:
        words = [
            "leeds",
            "leeds city centre",
            "l",
            "lee",
            "armley",
            "armley moor",
            "a-b",
            "a.b",
            "3d",
            "bar",
            "barwick in elmet",
            "barwick",
            "hyde park",
            "hyde",
            "x y",
            "k",
            "s",
        ]
        pattern = "(\\b" + "\\b|\\b".join(re.escape(word) for word in words) + "\\b)"
        grouped = nlu_speedups.grouped_lookup(pattern)
        self.assertNotEqual(grouped, pattern)
        samples = [
            *texts(),
            "LEEDS CITY CENTRE leeds city centrex barwick in elmet barwick-in hyde parks a-b a.b ab 3d 3D",
            "armleymoor armley  moor armley moor. Kelvin K ſ s S k",
        ]
        for text in samples:
            for flags in (0, re.IGNORECASE):
                spans = [match.span() for match in re.finditer(pattern, text, flags=flags)]
                self.assertEqual(
                    [match.span() for match in re.finditer(grouped, text, flags=flags)], spans, text[:60]
                )

    def test_other_patterns_are_left_as_they_are(self) -> None:
        for pattern in [
            "\\b(ls|bd)[0-9]\\b",
            "(\\bA\\b|\\bb\\b)",
            "(\\b\\b)",
            "(\\ba|b\\b)",
            "(\\b.\\b|\\bb\\b)",
            "(\\bé\\b)",
        ]:
            self.assertEqual(nlu_speedups.grouped_lookup(pattern), pattern)


if __name__ == "__main__":
    unittest.main()
