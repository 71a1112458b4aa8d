"""Faster `process` for three of Rasa 3.6's NLU components: the same features, cheaper to make.

Nothing here changes Rasa by being imported; engine/patches.py lists each symbol, why, and
applies them once at engine start. Training is untouched (`rasa train` runs Rasa's own code).

Measured with bench/load.py and py-spy (docs/performance.md), understanding a message was about
17% of the engine's busy time, most of it spent building tiny scipy matrices and in one regex:
- CountVectorsFeaturizer asks sklearn's `CountVectorizer.transform` twice per message (the
  tokens, then the sentence), which builds the analyzer again, a CSR matrix, sorts it and
  converts it to COO: about 40 us of scipy checks per matrix for a few numbers. Here the same
  analyzer output is looked up in the same vocabulary, and the COO matrix that `tocoo()` would
  give is made directly (`coo`), with the same shape, rows, columns, counts and dtypes.
- RegexFeaturizer's lookup-table pattern (every place name of the gazetteer, `\\bname\\b|...`)
  is tried alternative by alternative at every position: 0.35 ms a message. The same
  alternatives grouped by their first character (which no two groups can share) find the same
  matches a tenth of the time. Its matrices are made directly too.
- LexicalSyntacticFeaturizer works out every token's features once for each window position
  it falls in (three times); here once, with Rasa's own function, and its matrix made directly.
- A token's counts depend only on the model, so those of the last few thousand tokens are kept
  (never anything of a conversation), and a sentence's counts are its tokens' counts added up
  whenever the analyzer reads words apart (checked on each text; otherwise it is analysed).
These change speed only: tests/engine/test_nlu_speedups.py runs Rasa's methods and these on the
training data, the held-out set and odd inputs and compares every matrix and token.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer import LexicalSyntacticFeaturizer
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import ACTION_TEXT, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import coo_matrix
from sklearn.feature_extraction.text import CountVectorizer

Array: TypeAlias = "npt.NDArray[Any]"
Features: TypeAlias = "tuple[coo_matrix | None, coo_matrix | None]"
INDEX = np.int32  # scipy's index dtype for any matrix narrower than 2**31 columns
MAXPRINT = coo_matrix((1, 1)).maxprint


def coo(shape: tuple[int, int], row: Array, col: Array, data: Array, canonical: bool) -> coo_matrix:
    """The COO matrix scipy's constructor makes from these arrays, without its checks.

    `coo_matrix((data, (row, col)), shape)` spends about 40 us validating a matrix of a few
    numbers. The arrays are made here, fresh, with the index dtype scipy would pick, so there is
    nothing to check; `canonical` is what scipy would set (True only when built from a dense
    array). tests/engine/test_nlu_speedups.py compares every attribute with scipy's own.
    """
    matrix = coo_matrix.__new__(coo_matrix)
    matrix.__dict__.update(
        _shape=shape, maxprint=MAXPRINT, row=row, col=col, data=data, has_canonical_format=canonical
    )
    return matrix


# --- CountVectorsFeaturizer -----------------------------------------------------------------------

Counts: TypeAlias = "tuple[tuple[int, int], ...]"  # (column, count), columns ascending
WORD_TOKENS = r"(?u)\b\w+\b"  # the token pattern Rasa gives every word vectorizer
MAX_KEPT_TOKENS = 4096  # about 2 kB each for character n-grams: at most ~10 MB a vectorizer


class _Counting:
    """What counting with one fitted vectorizer needs, made once: its analyzer (`transform`
    builds it again every call), its vocabulary with plain int columns, and the counts of the
    tokens seen so far (a token's counts depend on the model only, never on a conversation)."""

    def __init__(self, vectorizer: CountVectorizer) -> None:
        self.vocabulary_object = vectorizer.vocabulary_
        self.vocabulary = {key: int(value) for key, value in vectorizer.vocabulary_.items()}
        self.analyze: Callable[[str], Iterable[str]] = vectorizer.build_analyzer()
        self.preprocess: Callable[[str], str] = vectorizer.build_preprocessor()
        self.per_word = _analyses_word_by_word(vectorizer)
        self.tokens: dict[str, Counts] = {}

    def counts(self, document: str) -> Counts:
        """The document's (column, count) pairs. Each feature has its own column (sklearn refuses
        a vocabulary with repeated indices), so counting features counts columns."""
        vocabulary = self.vocabulary
        return tuple(
            sorted(
                (vocabulary[feature], count)
                for feature, count in Counter(self.analyze(document)).items()
                if feature in vocabulary
            )
        )

    def token_counts(self, token: str) -> Counts:
        kept = self.tokens.get(token)
        if kept is None:
            if len(self.tokens) >= MAX_KEPT_TOKENS:
                self.tokens.clear()
            kept = self.tokens[token] = self.counts(token)
        return kept

    def sentence_counts(self, tokens: list[str], token_counts: list[Counts]) -> Counts:
        """The counts of the tokens joined by spaces. When the analyzer reads each token apart
        (no feature spans two tokens, checked on this very text), they are the tokens' counts
        added up; otherwise the joined text is analysed as Rasa does."""
        joined = " ".join(tokens)
        if not (
            self.per_word and self.preprocess(joined).split() == [self.preprocess(token) for token in tokens]
        ):
            return self.counts(joined)
        total: Counter[int] = Counter()
        for pairs in token_counts:
            for column, count in pairs:
                total[column] += count
        return tuple(sorted(total.items()))


def _analyses_word_by_word(vectorizer: CountVectorizer) -> bool:
    """Whether the analyzer's features of a text are those of its whitespace-separated words
    one after another, once preprocessed: character n-grams within words (`char_wb`), or single
    words of Rasa's token pattern, read from the text itself."""
    if (
        vectorizer.input != "content"
        or vectorizer.preprocessor is not None
        or vectorizer.tokenizer is not None
    ):
        return False
    if vectorizer.analyzer == "char_wb":
        return True
    return (
        vectorizer.analyzer == "word"
        and tuple(vectorizer.ngram_range) == (1, 1)
        and vectorizer.token_pattern == WORD_TOKENS
    )


_COUNTINGS: weakref.WeakKeyDictionary[CountVectorizer, _Counting] = weakref.WeakKeyDictionary()


def _counting(vectorizer: CountVectorizer) -> _Counting:
    """The vectorizer's `_Counting`, made again if it was fitted again."""
    kept = _COUNTINGS.get(vectorizer)
    if kept is None or kept.vocabulary_object is not vectorizer.vocabulary_:
        kept = _COUNTINGS[vectorizer] = _Counting(vectorizer)
    return kept


def count_matrix(vectorizer: CountVectorizer, shape: tuple[int, int], documents: list[Counts]) -> coo_matrix:
    """`vectorizer.transform(...)` sorted and `.tocoo()`, as Rasa makes it from documents with
    these counts: a row per document, a column per vocabulary entry it has, ascending."""
    rows: list[int] = []
    columns: list[int] = []
    counts: list[int] = []
    for row, pairs in enumerate(documents):
        rows.extend([row] * len(pairs))
        columns.extend(column for column, _ in pairs)
        counts.extend(count for _, count in pairs)
    return coo(
        shape,
        np.array(rows, dtype=INDEX),
        np.array(columns, dtype=INDEX),
        np.array(counts, dtype=vectorizer.dtype),
        canonical=False,
    )


def _is_plain(vectorizer: Any) -> bool:
    """A fitted sklearn CountVectorizer counting as Rasa configures it; anything else goes the
    original way (which also raises the original errors)."""
    return (
        type(vectorizer) is CountVectorizer
        and not vectorizer.binary
        and bool(getattr(vectorizer, "vocabulary_", None))
        and len(vectorizer.vocabulary_) < np.iinfo(INDEX).max
    )


def _count_features(featurizer: CountVectorsFeaturizer, attribute: str, tokens: list[str]) -> Features:
    """`CountVectorsFeaturizer._create_features(attribute, [tokens])` for one message."""
    vectorizer = featurizer.vectorizers.get(attribute)
    if not vectorizer or not tokens:
        return None, None
    if not _is_plain(vectorizer):
        sequence, sentence = featurizer._create_features(attribute, [tokens])
        return sequence[0], sentence[0]
    counting = _counting(vectorizer)
    width = len(counting.vocabulary)
    token_counts = [counting.token_counts(token) for token in tokens]
    sequence_matrix = count_matrix(vectorizer, (len(tokens), width), token_counts)
    if attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
        return sequence_matrix, None
    sentence_counts = counting.sentence_counts(tokens, token_counts)
    return sequence_matrix, count_matrix(vectorizer, (1, width), [sentence_counts])


def count_vectors_process(original: Callable[..., list[Message]]) -> Callable[..., list[Message]]:
    """`CountVectorsFeaturizer.process` that counts with `count_matrix` (an untrained featurizer
    is left to the original, which logs why it does nothing)."""

    @functools.wraps(original)
    def process(self: CountVectorsFeaturizer, messages: list[Message]) -> list[Message]:
        if getattr(self, "vectorizers", None) is None:  # as the original checks (never, once loaded)
            return original(self, messages)
        for message in messages:
            for attribute in self._attributes:
                tokens = self._get_processed_message_tokens_by_attribute(message, attribute)
                sequence, sentence = _count_features(self, attribute, tokens)
                self.add_features_to_message(sequence, sentence, attribute, message)
        return messages

    return process


# --- RegexFeaturizer ------------------------------------------------------------------------------

WORD_BOUNDARY = r"\b"
_GROUPABLE_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_GROUPED: dict[str, str] = {}


def grouped_lookup(pattern: str) -> str:
    r"""A lookup-table pattern as Rasa writes it, `(\ba\b|\bb\b|...)`, with its alternatives
    grouped by first character: the same matches, found without trying every alternative at
    every position. Any other pattern is returned as it is.

    At a position, the original takes the first alternative (in table order) that matches.
    Alternatives starting with different characters of a-z0-9 never match at the same position
    (no character equals two of them, even ignoring case), so trying only the group of the
    character there, in table order, takes the same alternative.
    """
    grouped = _GROUPED.get(pattern)
    if grouped is None:
        grouped = _GROUPED[pattern] = _grouped(pattern)
    return grouped


def _grouped(pattern: str) -> str:
    opening, closing, separator = "(" + WORD_BOUNDARY, WORD_BOUNDARY + ")", r"\b|\b"
    if not (pattern.startswith(opening) and pattern.endswith(closing)) or len(pattern) <= 6:
        return pattern
    elements = pattern[len(opening) : -len(closing)].split(separator)
    if any(not _is_escaped_word(element) for element in elements):
        return pattern
    groups: dict[str, list[str]] = {}
    for element in elements:
        groups.setdefault(element[0], []).append(element + WORD_BOUNDARY)
    alternatives = "|".join("(?:" + "|".join(group) + ")" for group in groups.values())
    return "(" + WORD_BOUNDARY + "(?:" + alternatives + "))"


def _is_escaped_word(element: str) -> bool:
    """`re.escape` of a word that starts with a-z or 0-9 (so of nothing that Rasa's join could
    have split wrongly)."""
    if not element or element[0] not in _GROUPABLE_FIRST:
        return False
    word = re.sub(r"\\(.)", r"\1", element, flags=re.DOTALL)
    return re.escape(word) == element


def regex_features(featurizer: RegexFeaturizer, message: Message, attribute: str) -> Features:
    """`RegexFeaturizer._features_for_patterns`: the same token marks and matrices."""
    text = message.get(attribute)
    if not text:
        return None, None
    tokens = message.get(TOKENS_NAMES[attribute], [])
    if not tokens:
        return None, None
    flags = 0 if featurizer.case_sensitive else re.IGNORECASE
    sentence_too = attribute in (RESPONSE, TEXT, ACTION_TEXT)
    sequence_cells: set[tuple[int, int]] = set()
    sentence_columns: set[int] = set()
    for column, pattern in enumerate(featurizer.known_patterns):
        spans = [match.span() for match in re.finditer(grouped_lookup(pattern["pattern"]), text, flags=flags)]
        for row, token in enumerate(tokens):
            marks = token.get("pattern", default={})
            marks[pattern["name"]] = False
            for start, end in spans:
                if token.start < end and token.end > start:
                    marks[pattern["name"]] = True
                    sequence_cells.add((row, column))
                    if sentence_too:
                        sentence_columns.add(column)
            token.set("pattern", marks)
    width = len(featurizer.known_patterns)
    return (
        _ones((len(tokens), width), sorted(sequence_cells)),
        _ones((1, width), [(0, column) for column in sorted(sentence_columns)]),
    )


def _ones(shape: tuple[int, int], cells: list[tuple[int, int]]) -> coo_matrix:
    """`coo_matrix(dense)` of a 0/1 float array with ones at `cells` (in row-major order)."""
    return coo(
        shape,
        np.array([row for row, _ in cells], dtype=INDEX),
        np.array([column for _, column in cells], dtype=INDEX),
        np.ones(len(cells), dtype=np.float64),
        canonical=True,
    )


def regex_process(original: Callable[..., list[Message]]) -> Callable[..., list[Message]]:
    """`RegexFeaturizer.process` with its features made by `regex_features`."""

    @functools.wraps(original)
    def process(self: RegexFeaturizer, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self.known_patterns:
                sequence, sentence = regex_features(self, message, TEXT)
                self.add_features_to_message(sequence, sentence, TEXT, message)
        return messages

    return process


# --- LexicalSyntacticFeaturizer -------------------------------------------------------------------


def lexical_matrix(featurizer: LexicalSyntacticFeaturizer, tokens: list[Token]) -> coo_matrix:
    """`_map_raw_features_to_indices(_map_tokens_to_raw_features(tokens))`: the same entries in
    the same order. Each token's feature values are worked out once (Rasa works them out again
    for every window the token is in), with Rasa's own function, and the matrix made directly."""
    config: list[list[str]] = featurizer._feature_config
    half = len(config) // 2
    window = list(enumerate(range(-half, half + len(config) % 2)))
    count = len(tokens)
    values: dict[tuple[int, str], str] = {}
    to_index: dict[tuple[int, str], dict[str, int]] = featurizer._feature_to_idx_dict
    rows: list[int] = []
    columns: list[int] = []
    for anchor in range(count):
        features: dict[tuple[int, str], str] = {}
        for window_position, relative_position in window:
            position = anchor + relative_position
            if position < 0 or position >= count:
                continue
            for name in config[window_position]:
                value = values.get((position, name))
                if value is None:
                    value = values[(position, name)] = featurizer._extract_raw_features_from_token(
                        feature_name=name, token=tokens[position], token_position=position, num_tokens=count
                    )
                features[(window_position, name)] = value
        for key, value in features.items():
            mapping = to_index.get(key)
            if not mapping:
                continue
            column = mapping.get(value, -1)
            if column > -1:
                rows.append(anchor)
                columns.append(column)
    return coo(
        (count, int(featurizer._number_of_features)),
        np.array(rows, dtype=INDEX),
        np.array(columns, dtype=INDEX),
        np.ones(len(rows)),
        canonical=False,
    )


def lexical_process(original: Callable[..., list[Message]]) -> Callable[..., list[Message]]:
    """`LexicalSyntacticFeaturizer.process` with its matrix made by `lexical_matrix` (an untrained
    featurizer is left to the original, which warns)."""

    @functools.wraps(original)
    def process(self: LexicalSyntacticFeaturizer, messages: list[Message]) -> list[Message]:
        for message in messages:
            if not self._feature_to_idx_dict:
                original(self, [message])
                continue
            tokens = message.get(TOKENS_NAMES[TEXT])
            if tokens:
                matrix = lexical_matrix(self, tokens)
                self.add_features_to_message(sequence=matrix, sentence=None, attribute=TEXT, message=message)
        return messages

    return process
