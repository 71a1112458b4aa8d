"""A postcode as a speech recogniser hears it, and as the bot says it back.

A caller says "L S nine, seven B G", "ell ess nine seven bee gee", "lima sierra nine..." or
"double seven"; the recogniser writes that down in words, letters, digits and punctuation, in
whatever mix it likes ("LS9 7BG.", "L. S. 9, 7 B G", "Elle S nine seven Bee Gee"). Each word
can mean more than one symbol ("oh" is 0 or O, "for" is 4 or a filler, "I" is a letter or the
caller talking), so every reading is tried and the postcode grammar chooses: only a string that
`bot.geo.postcodes.parse` accepts as a full postcode counts. When two different postcodes fit
equally well, or none does, the answer is None and the channel asks again: a read-back the
caller must confirm is the last check, so a guess is never better than asking.

`hear_postcode` hears full postcodes only; an outward code alone ("L S nine") is a weaker
signal (any two symbols with a digit can be one), so `hear_outcode` hears it only when every
letter and digit heard belongs to it. A place name ("Harehills") is left to the ordinary text path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.geo import postcodes

# ---- words to symbols ----

# Letters said as words (and the homophones recognisers write for them).
LETTER_WORDS: dict[str, str] = {
    "ay": "A",
    "aye": "A",
    "bee": "B",
    "be": "B",
    "see": "C",
    "sea": "C",
    "cee": "C",
    "dee": "D",
    "ee": "E",
    "eff": "F",
    "ef": "F",
    "gee": "G",
    "jee": "G",
    "aitch": "H",
    "haitch": "H",
    "eye": "I",
    "jay": "J",
    "kay": "K",
    "kaye": "K",
    "el": "L",
    "ell": "L",
    "elle": "L",
    "em": "M",
    "en": "N",
    "pee": "P",
    "pea": "P",
    "queue": "Q",
    "cue": "Q",
    "kew": "Q",
    "ar": "R",
    "are": "R",
    "ess": "S",
    "es": "S",
    "tee": "T",
    "tea": "T",
    "you": "U",
    "yu": "U",
    "ewe": "U",
    "vee": "V",
    "ex": "X",
    "why": "Y",
    "wye": "Y",
    "zed": "Z",
    "zee": "Z",
}
NATO: dict[str, str] = {
    "alpha": "A",
    "alfa": "A",
    "bravo": "B",
    "charlie": "C",
    "delta": "D",
    "echo": "E",
    "foxtrot": "F",
    "golf": "G",
    "hotel": "H",
    "india": "I",
    "juliet": "J",
    "juliett": "J",
    "kilo": "K",
    "lima": "L",
    "mike": "M",
    "november": "N",
    "oscar": "O",
    "papa": "P",
    "quebec": "Q",
    "romeo": "R",
    "sierra": "S",
    "tango": "T",
    "uniform": "U",
    "victor": "V",
    "whiskey": "W",
    "whisky": "W",
    "xray": "X",
    "yankee": "Y",
    "zulu": "Z",
}
DIGIT_WORDS: dict[str, str] = {
    "zero": "0",
    "nought": "0",
    "nil": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
TEEN_WORDS: dict[str, str] = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
TENS_WORDS: dict[str, str] = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fourty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
# Words that are two readings at once, each as likely as the other: the grammar decides.
# (symbols, cost): a reading that costs more is taken only when no cheaper one fits.
AMBIGUOUS: dict[str, tuple[tuple[str, int], ...]] = {
    "oh": (("0", 0), ("O", 0)),
    "o": (("0", 0), ("O", 0)),
    "owe": (("0", 0), ("O", 0)),
    "to": (("2", 1), ("", 0)),
    "too": (("2", 0), ("", 1)),
    "for": (("4", 1), ("", 0)),
    "fore": (("4", 0),),
    "ate": (("8", 0), ("", 1)),
    "won": (("1", 0), ("", 1)),
    "tree": (("3", 0),),
    "nein": (("9", 0),),
    "be": (("B", 0), ("", 1)),
    "see": (("C", 0), ("", 1)),
    "you": (("U", 0), ("", 1)),
    "are": (("R", 0), ("", 1)),
    "why": (("Y", 0), ("", 1)),
    "eye": (("I", 0), ("", 1)),
    "tea": (("T", 0), ("", 1)),
    "sea": (("C", 0), ("", 1)),
    "en": (("N", 0), ("", 1)),
    "eh": (("A", 1), ("", 0)),
}
# What callers say around a postcode. Dropped; a word that is neither this nor a symbol is
# dropped too, but a postcode must still come out of what is left.
FILLERS = frozenset(
    [
        "my",
        "our",
        "the",
        "postcode",
        "post",
        "code",
        "postal",
        "zip",
        "is",
        "it",
        "its",
        "it's",
        "thats",
        "that's",
        "that",
        "um",
        "umm",
        "uh",
        "uhh",
        "er",
        "erm",
        "err",
        "ah",
        "hmm",
        "mm",
        "please",
        "yes",
        "yeah",
        "yep",
        "ok",
        "okay",
        "so",
        "well",
        "right",
        "and",
        "im",
        "i'm",
        "live",
        "lives",
        "living",
        "at",
        "on",
        "near",
        "here",
        "from",
        "of",
        "area",
        "address",
        "house",
        "home",
        "flat",
        "number",
        "letter",
        "sorry",
        "just",
        "let",
        "me",
        "think",
        "hello",
        "hi",
        "it",
        "is",
        "was",
        "what",
        "ya",
        "mine",
        "we",
        "were",
        "we're",
        "they",
        "sure",
        "yup",
        "in",
    ]
)
_REPEATS = {"double": 2, "treble": 3, "triple": 3}
# "I live...", "it's a...": the pronoun and the article, not the letters.
_AFTER_I = frozenset(
    [
        "live",
        "am",
        "think",
        "said",
        "was",
        "have",
        "stay",
        "guess",
        "believe",
        "mean",
        "reckon",
        "don't",
        "dont",
        "can't",
    ]
)
_BEFORE_A = frozenset(["is", "its", "it's", "was", "got", "have", "in", "at"])
# "L for Leeds", "S as in sugar": the letter, then the word that explains it.
_SPELLED_AS = re.compile(
    r"\b([a-z])\s+(?:for|as\s+in|like)\s+(?!(?:{})\b)[a-z]{{3,}}\b".format(
        "|".join([*DIGIT_WORDS, *TEEN_WORDS, *TENS_WORDS, "double", "treble", "triple"])
    ),
    re.IGNORECASE,
)

# Longer than this is not someone saying a postcode (the recogniser's whole minute of speech).
MAX_TOKENS = 80

# ---- the postcode grammar, position by position ----

_A = frozenset("ABCDEFGHIJKLMNOPRSTUWYZ")  # first letter: not Q V X
_B = frozenset("ABCDEFGHKLMNOPQRSTUVWXY")  # second letter: not I J Z
_C = frozenset("ABCDEFGHJKPSTUW")  # letter after A9
_D = frozenset("ABEHMNPRVWXY")  # letter after AA9
_N = frozenset("0123456789")
_I = frozenset("ABDEFGHJLNPQRSTUWXYZ")  # inward letters: not C I K M O V
_OUTWARD_SHAPES = (
    (_A, _N),
    (_A, _N, _N),
    (_A, _B, _N),
    (_A, _B, _N, _N),
    (_A, _N, _C),
    (_A, _B, _N, _D),
)
_SHAPES = tuple((*shape, _N, _I, _I) for shape in _OUTWARD_SHAPES)


def _could_start(symbols: str, shapes: tuple[tuple[frozenset[str], ...], ...] = _SHAPES) -> bool:
    """True while `symbols` is the beginning of one of the shapes (a full postcode's, by default)."""
    return any(
        len(symbols) <= len(shape)
        and all(char in allowed for char, allowed in zip(symbols, shape, strict=False))
        for shape in shapes
    )


@dataclass(frozen=True)
class _Token:
    """One heard word: the symbols it may stand for, each with the cost of that reading."""

    readings: tuple[tuple[str, int], ...]


def _plain_words(speech: str) -> list[str]:
    """Punctuation gone, "x-ray"/"double-u" joined, "L for Leeds" reduced to "L"; case kept."""
    text = speech.replace("\u2019", "'")
    text = re.sub(r"\bx[\s-]ray\b", "xray", text, flags=re.IGNORECASE)
    text = re.sub(r"\bdouble[\s-]?(?:you|u|yu)\b", " W ", text, flags=re.IGNORECASE)
    text = re.sub(r"[^A-Za-z0-9'\s]", " ", text)
    text = re.sub(r"'(?![A-Za-z])|(?<![A-Za-z])'", " ", text)
    text = _SPELLED_AS.sub(r"\1", text)
    return text.split()


def _letter_or_not(word: str, before: str, after: str, at_start: bool) -> tuple[tuple[str, int], ...]:
    """ "I" and "A" are letters in a postcode and words in a sentence: the neighbours decide."""
    letter = word.upper()
    if word == "I" and after.lower() in _AFTER_I:
        return (("", 0),)
    if word == "A" and not at_start:
        # A capital A in the middle of what was said is a letter the recogniser heard (it
        # writes the article in lower case).
        return ((letter, 0),)
    if word == "a" and before.lower() in _BEFORE_A:
        return (("", 0), (letter, 1))
    said_as_word = after.lower() in FILLERS or (len(after) > 3 and _symbol_word(after) is None)
    if word.isupper() and not (at_start and said_as_word):
        return ((letter, 0), ("", 1))
    return ((letter, 0), ("", 0))


def _symbol_word(word: str) -> str | None:
    """The symbols a word spells by itself ("bravo" B, "nine" 9), if it is one of those words."""
    lower = word.lower()
    for table in (LETTER_WORDS, NATO, DIGIT_WORDS, TEEN_WORDS, TENS_WORDS):
        if lower in table:
            return table[lower]
    return None


def _word_token(word: str) -> list[_Token]:
    """The readings of one word; a run of letters and digits ("ls97bg") is one token per character."""
    lower = word.lower()
    if word == "O":
        # The recogniser wrote the letter, not "0" or "oh": the letter unless only a digit fits.
        return [_Token((("O", 0), ("0", 1)))]
    if lower in AMBIGUOUS:
        return [_Token(AMBIGUOUS[lower])]
    for table in (LETTER_WORDS, NATO, DIGIT_WORDS, TEEN_WORDS):
        if lower in table:
            return [_Token(((table[lower], 0),))]
    if lower in FILLERS:
        return [_Token((("", 0),))]
    if re.fullmatch(r"[A-Za-z0-9]+", word) and re.search(r"\d", word):
        return [_Token(((char.upper(), 0),)) for char in word]
    if len(word) == 1:
        return [_Token(((word.upper(), 0),))]
    # "LS", "BG": letters the recogniser wrote as a word (capitals, or no vowel to say).
    if len(word) <= 3 and (word.isupper() or not re.search(r"[aeiouy]", lower)):
        return [_Token(((char.upper(), 0),)) for char in word]
    # Anything else (a place name, a word we do not know): not part of the postcode.
    return [_Token((("", 0),))]


def _tokens(speech: str) -> list[_Token]:
    words = _plain_words(speech)
    tokens: list[_Token] = []
    repeat = 1
    index = 0
    while index < len(words):
        word, lower = words[index], words[index].lower()
        before = words[index - 1] if index else ""
        index += 1
        after = words[index] if index < len(words) else ""
        if lower in _REPEATS:
            repeat = _REPEATS[lower]
            continue
        if lower in TENS_WORDS:
            unit = after.lower()
            if unit in DIGIT_WORDS and unit not in ("zero", "nought", "nil"):
                index += 1
                found = [_Token(((TENS_WORDS[lower] + DIGIT_WORDS[unit], 0),))]
            else:
                found = [_Token(((TENS_WORDS[lower] + "0", 0),))]
        elif lower in ("i", "a"):
            found = [_Token(_letter_or_not(word, before, after, at_start=index == 1))]
        else:
            found = _word_token(word)
        if repeat > 1:
            # "double seven": the next symbol twice. A reading of several symbols is not doubled.
            first = found[0]
            found[0] = _Token(tuple((symbols * repeat, cost) for symbols, cost in first.readings if symbols))
            repeat = 1
        tokens.extend(found)
    return tokens


def _readings(
    tokens: list[_Token], shapes: tuple[tuple[frozenset[str], ...], ...] = _SHAPES
) -> dict[str, int]:
    """Every grammatical reading of the tokens, with the least it costs. One pass that keeps one
    state per prefix, so a long ramble of ambiguous words costs tokens x prefixes, not 2^tokens."""
    states = {"": 0}
    for token in tokens:
        following: dict[str, int] = {}
        for prefix, cost in states.items():
            for symbols, extra in token.readings:
                candidate, total = prefix + symbols, cost + extra
                if total < following.get(candidate, total + 1) and _could_start(candidate, shapes):
                    following[candidate] = total
        states = following
        if not states:
            break
    return states


def _heard(speech: str, *, full: bool, known: Callable[[str], bool] | None) -> str | None:
    """The one cheapest reading that parses (as a full postcode, or as an outward code alone)."""
    tokens = _tokens(speech)
    if not tokens or len(tokens) > MAX_TOKENS:
        return None
    best: dict[str, int] = {}
    for symbols, cost in _readings(tokens, _SHAPES if full else _OUTWARD_SHAPES).items():
        parsed = postcodes.parse(symbols) if len(symbols) >= 2 else None
        if parsed is None or parsed.is_full != full:
            continue
        key = str(parsed)
        best[key] = min(cost, best.get(key, cost))
    if known is not None:
        best = {postcode: cost for postcode, cost in best.items() if known(postcode)}
    if not best:
        return None
    cheapest = min(best.values())
    winners = [postcode for postcode, cost in best.items() if cost == cheapest]
    return winners[0] if len(winners) == 1 else None


def hear_postcode(speech: str, *, known: Callable[[str], bool] | None = None) -> str | None:
    """The full UK postcode in what the recogniser heard ("LS9 7BG"), or None if unsure.

    None when nothing fits, when two different postcodes fit as well as each other, or when the
    speech has no postcode at all (a place name, a phone number): the caller is asked again.
    `known`, when given, says whether a postcode exists (a lookup in the loaded Code-Point Open
    table): readings it does not know are dropped first, so "S oh nought..." can only be SO0.
    """
    return _heard(speech, full=True, known=known)


def hear_outcode(speech: str, *, known: Callable[[str], bool] | None = None) -> str | None:
    """An outward code said on its own ("L S nine" -> "LS9"), or None: what a caller who
    does not know the rest says, and what the text path takes as typed "LS9". Every letter and
    digit heard must belong to it (other words are dropped), so try `hear_postcode` first."""
    return _heard(speech, full=False, known=known)


def read_back(postcode: str) -> str:
    """How to say a postcode back: "L S 9, 7 B G" (letters apart, the district as a number, a
    pause between the halves), so the caller hears each part and can confirm it."""
    parsed = postcodes.parse(postcode)
    if parsed is None:
        return " ".join(re.sub(r"\s+", "", postcode.upper()))
    outward = " ".join(re.findall(r"[A-Z]|\d+", parsed.outcode))
    if parsed.incode is None:
        return outward
    return f"{outward}, {' '.join(parsed.incode)}"
