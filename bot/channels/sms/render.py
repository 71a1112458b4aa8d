"""A turn's messages as one text message: GSM-7 where possible, numbered options, at most 3 segments.

Residents on SMS often have old phones and pay per message. A text in the GSM-7 alphabet fits
160 characters in one segment (153 per part when split); one character outside it (a curly
quote, an emoji) switches the whole text to UCS-2, where a segment holds only 70 (67). So the
bot's curly quotes, dashes and symbols are changed to their GSM-7 equivalents and emoji are
dropped. A reply that is still too long is shortened at line and sentence boundaries: links
and the map-data notice are kept before the last sentences of prose, and the numbered options
always stay, so "More" is there whenever an answer was cut.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from bot.messages import BotMessage, offered_options

MAX_SEGMENTS = 3
MORE_TITLE = "more"
OPTIONS_HEADING = "Reply with a number:"
ELLIPSIS = "..."

# GSM 03.38: the basic set costs one septet, the extension set two (escape + character).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€")
GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Typography the bot's content uses, written the way a GSM-7 phone can show it.
_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "`": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2022": "-",
    "\u00b7": "-",
    "\u00a9": "(c)",
    "\u00ae": "(R)",
    "\u2122": "TM",
    "\u00d7": "x",
    "\u00f7": "/",
    "\u00bd": "1/2",
    "\u00bc": "1/4",
    "\u00be": "3/4",
    "\u00b0": " degrees",
    "\u2192": "->",
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0131": "i",
    "\u0152": "OE",
    "\u0153": "oe",
    "\t": " ",
}
# Every kind of space (non-breaking, thin, narrow...) becomes a plain one.
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_URL = re.compile(r"\b(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s<>\"]*)?)", re.IGNORECASE)
_SCHEME_URL = re.compile(r"\bhttps?://[^\s<>\"]+|\bwww\.[^\s<>\"]+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
# A list number ("1.") or an abbreviation ends no sentence.
_NOT_AN_END = re.compile(r"^(?:\d+|[A-Za-z])\.$|(?:^|\s)(?:e\.g|i\.e|St|Dr|Mr|Mrs|Ms)\.$")
_ATTRIBUTION = re.compile(r"^Contains .*\b(?:data|copyright)\b", re.IGNORECASE)


# ---- characters and segments ----


def _gsm_char(char: str) -> bool:
    return char in GSM_BASIC or char in GSM_EXTENSION


def _dropped(char: str) -> bool:
    """Emoji, pictographs, joiners, variation selectors, control characters: nothing a phone needs."""
    category = unicodedata.category(char)
    return category in ("So", "Sk", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me") and char != "\n"


def to_gsm(text: str) -> str:
    """The text in GSM-7 as far as it can be: typography converted, accents removed from letters
    GSM-7 lacks, emoji and symbols dropped. Letters of other scripts are kept (they need UCS-2)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _SPACES.sub(" ", text)
    out: list[str] = []
    for char in text:
        char = _REPLACEMENTS.get(char, char)
        if len(char) > 1 or _gsm_char(char):
            out.append(char)
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if plain and all(_gsm_char(c) for c in plain):
            out.append(plain)
        elif not _dropped(char):
            out.append(char)
    # A dropped emoji leaves its spaces behind.
    lines = (re.sub(r" {2,}", " ", line).strip() for line in "".join(out).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_gsm(text: str) -> bool:
    return all(_gsm_char(char) for char in text)


def encoding(text: str) -> str:
    return "GSM-7" if is_gsm(text) else "UCS-2"


def _parts(costs: list[int], single: int, part: int) -> int:
    """Segments for characters of the given costs; a character is never split across two parts."""
    total = sum(costs)
    if total <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:
            segments += 1
            used = 0
        used += cost
    return segments


def segments(text: str) -> int:
    """How many SMS segments the text takes, exactly as a phone network counts them."""
    if not text:
        return 1
    if is_gsm(text):
        return _parts([2 if char in GSM_EXTENSION else 1 for char in text], GSM_SINGLE, GSM_PART)
    return _parts([2 if ord(char) > 0xFFFF else 1 for char in text], UCS2_SINGLE, UCS2_PART)


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return segments(text) <= max_segments


# ---- links and options ----


def short_links(text: str) -> str:
    """Links without "https://" and "www." (gov.uk/x is what people type, and it is shorter)."""

    def shorten(match: re.Match[str]) -> str:
        url = match.group(0)
        trailing = ""
        while url and url[-1] in ".,;:!?)'":
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            trailing = url[-1] + trailing
            url = url[:-1]
        url = re.sub(r"^https?://", "", url, flags=re.IGNORECASE)
        url = re.sub(r"^www\.", "", url, flags=re.IGNORECASE)
        return url.rstrip("/") + trailing

    return _SCHEME_URL.sub(shorten, text)


def _has_link(line: str) -> bool:
    return bool(_SCHEME_URL.search(line))


def numbered_options(options: Sequence[dict[str, str]]) -> str:
    """ "Reply with a number:" and one option a line, numbered as the gateway maps a typed number."""
    if not options:
        return ""
    lines = [f"{number} {to_gsm(option['title'])}" for number, option in enumerate(options, start=1)]
    return "\n".join([OPTIONS_HEADING, *lines])


# ---- shortening ----


class Kind(IntEnum):
    """What a piece of the reply is; higher values are dropped later when a reply is too long."""

    PROSE = 0
    LINK = 1
    NOTICE = 2


@dataclass(frozen=True)
class Piece:
    text: str
    kind: Kind
    joiner: str  # what goes before it: " " within a line, "\n" between lines, "\n\n" between messages


def pieces(texts: Sequence[str]) -> list[Piece]:
    """The messages cut into sentences (prose), link lines and data notices, in order."""
    out: list[Piece] = []
    for message_index, text in enumerate(t for t in texts if t):
        for line_index, line in enumerate(text.split("\n")):
            if not line.strip():
                continue
            joiner = "\n\n" if line_index == 0 and message_index > 0 else "\n"
            if _ATTRIBUTION.search(line):
                out.append(Piece(line, Kind.NOTICE, joiner))
            elif _has_link(line):
                out.append(Piece(short_links(line), Kind.LINK, joiner))
            else:
                for sentence_index, sentence in enumerate(sentences(line)):
                    out.append(Piece(sentence, Kind.PROSE, joiner if sentence_index == 0 else " "))
    return out


def sentences(line: str) -> list[str]:
    """The line's sentences; "1. Compton Centre" or "e.g. a tablet" stay whole."""
    out: list[str] = []
    for fragment in _SENTENCE_END.split(line):
        if out and _NOT_AN_END.search(out[-1]):
            out[-1] = f"{out[-1]} {fragment}"
        else:
            out.append(fragment)
    return out


def _join(kept: Sequence[Piece]) -> str:
    text = "".join(piece.joiner + piece.text for piece in kept)
    return to_gsm(text)


def _assemble(body: str, options: str) -> str:
    return "\n\n".join(part for part in (body, options) if part)


def _cut_words(text: str, options: str, max_segments: int) -> str:
    """The longest start of `text`, ending at a word, that fits with the options and "..."."""
    words = text.split(" ")
    low, high = 0, len(words)
    while low < high:  # the most words that fit
        middle = (low + high + 1) // 2
        if fits(_assemble(" ".join(words[:middle]) + ELLIPSIS, options), max_segments):
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low]).rstrip(",;:-") + ELLIPSIS if low else ""


def _is_more(option: dict[str, str]) -> bool:
    return option["title"].strip().lower() == MORE_TITLE


def _options_that_fit(options: list[dict[str, str]], max_segments: int) -> list[dict[str, str]]:
    """All the options, unless they alone leave no room: then the last ones go, "More" stays."""
    kept = list(options)
    while len(kept) > 1 and not fits(numbered_options(kept) + "\n\n" + "x" * 40, max_segments):
        droppable = [i for i, option in enumerate(kept) if not _is_more(option)]
        if not droppable:
            break
        # Numbers must still mean what the gateway maps them to: only the tail can go.
        if droppable[-1] != len(kept) - 1:
            break
        kept.pop()
    return kept


def fit_reply(texts: Sequence[str], options: list[dict[str, str]], max_segments: int = MAX_SEGMENTS) -> str:
    """One SMS from the turn's texts and options, within `max_segments`, never cut mid-word."""
    shown = _options_that_fit(options, max_segments)
    options_text = numbered_options(shown)
    kept = pieces(texts)
    if fits(_assemble(_join(kept), options_text), max_segments):
        return _finish(_join(kept), options_text)
    # Drop the last prose sentences first (keeping one), then link lines, then the notice.
    for kind in Kind:
        while not fits(_assemble(_join(kept), options_text), max_segments):
            candidates = [i for i, piece in enumerate(kept) if piece.kind == kind]
            if not candidates or len(kept) <= 1 or (kind == Kind.PROSE and len(candidates) <= 1):
                break
            del kept[candidates[-1]]
    body = _join(kept)
    if not fits(_assemble(body, options_text), max_segments):
        prose = [piece for piece in kept if piece.kind == Kind.PROSE]
        body = _cut_words(to_gsm(prose[0].text if prose else body), options_text, max_segments)
    return _finish(body, options_text)


def _finish(body: str, options_text: str) -> str:
    """Never a reply that is only a link: a bare address gets a few words before it."""
    if body and _URL.fullmatch(body.strip().rstrip(".")):
        body = f"You can find out more at {body}"
    return _assemble(body, options_text)


def sms_reply(messages: Sequence[BotMessage], max_segments: int = MAX_SEGMENTS) -> str:
    """The turn as the one text the resident receives. Options are numbered in the order the
    gateway offered them (`offered_options`), so a typed "2" means what was printed as 2."""
    texts = [message.text for message in messages if message.text]
    return fit_reply(texts, offered_options(list(messages)), max_segments)
