"""UK postcode parsing.

Standard library only and Python 3.10-compatible: the engine's NLU component imports this module
too, so the engine and the app agree on what a postcode is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The shapes the Royal Mail allows: A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA.
_OUTCODE = (
    r"(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_INCODE = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_FULL_RE = re.compile(rf"^({_OUTCODE})\s*({_INCODE})$")
_OUTCODE_RE = re.compile(rf"^({_OUTCODE})$")
# Postcode areas in use (Royal Mail), so that "MP3" or "XY1" are not taken for postcodes.
_AREA_LIST = (
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY "
    "E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE "
    "LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL "
    "SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE"
)
AREAS = frozenset(_AREA_LIST.split())
# Looser shape used to spot something the resident meant as a postcode, valid or not.
_LOOKS_LIKE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,2}[0-9][A-Za-z0-9]?)(?:\s*([0-9][A-Za-z]{2}))?(?![A-Za-z0-9])"
)


@dataclass(frozen=True)
class Postcode:
    """A normalised postcode: `outcode` is always set, `incode` only for a full postcode."""

    outcode: str
    incode: str | None = None

    @property
    def is_full(self) -> bool:
        return self.incode is not None

    @property
    def area(self) -> str:
        return re.match(r"[A-Z]+", self.outcode).group(0)  # type: ignore[union-attr]

    def __str__(self) -> str:
        return f"{self.outcode} {self.incode}" if self.incode else self.outcode


def parse(text: str) -> Postcode | None:
    """Parse a full postcode or an outcode in any case or spacing; None if it is not valid."""
    cleaned = re.sub(r"\s+", " ", text.strip().upper())
    full = _FULL_RE.match(cleaned.replace(" ", "")) or _FULL_RE.match(cleaned)
    if full:
        postcode = Postcode(full.group(1), full.group(2))
    else:
        outcode = _OUTCODE_RE.match(cleaned.replace(" ", ""))
        if not outcode:
            return None
        postcode = Postcode(outcode.group(1))
    return postcode if postcode.area in AREAS else None


def looks_like_postcode(text: str) -> bool:
    """True for text shaped like a postcode even if not a valid one (to say 'that postcode is not valid')."""
    return bool(_LOOKS_LIKE.fullmatch(text.strip()))


def find(text: str) -> list[tuple[int, int, Postcode]]:
    """Valid postcodes or outcodes inside free text, as (start, end, postcode).

    Bare outcodes are only accepted when they carry a digit after letters (LS9, ls 9 is not
    recognised): enough to avoid matching ordinary words.
    """
    found: list[tuple[int, int, Postcode]] = []
    for match in _LOOKS_LIKE.finditer(text):
        parsed = parse(match.group(0))
        if parsed is None and match.group(2):
            # "LS9 2A" style typos: fall back to the outcode alone.
            parsed = parse(match.group(1))
            if parsed is not None:
                found.append((match.start(1), match.end(1), parsed))
            continue
        if parsed is not None:
            found.append((match.start(), match.end(), parsed))
    return found
