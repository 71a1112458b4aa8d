"""Personal details that must never be kept: removed before a message goes any further.

Residents are told not to send bank details or their National Insurance number, yet some will.
`redact_sensitive` takes those out of every message before the engine (and so the conversation
store) sees it, and `without_contact_details` the phone numbers and e-mail addresses.
`scrub_for_report` goes further for the "not understood" report staff read: full postcodes and
long numbers go too.

Numbers are found as runs of digit groups (separated by a space, dot or dash) and then judged
by their digits, so the way they are written does not matter:
- a payment card: 13 to 19 digits that pass the Luhn check, in one group ("4111111111111111")
  or in groups of 3 or more digits but the last ("4111.1111.1111.1111", "3782 822463 10005");
- a phone number: "+" and 8 to 15 digits (any country, "+1 (415) 555-2671", "+44 (0)113...");
  "00" and 10 to 17 digits; a UK number of 10 or 11 digits starting with 0 whose first group
  has 3 digits or more ("0113 222 4444", "(020) 7946 0018"); or a North American number written
  as one (415-555-2671, "(415) 555 2671").
Ordinary numbers stay: times (10.30), prices (12.99), dates (03.12.2026), years, postcodes, bus
numbers. Those rules are what tests/unit/privacy/test_redact.py checks, over generated formats.
"""

from __future__ import annotations

import re
from collections.abc import Callable

REMOVED = "[removed]"

# Digit groups, each separated by one space, dot or dash: judged by `_cards` (see above).
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:[ .-]\d+)*")
_GROUP = re.compile(r"\d+")
# A number, maybe with a "+" or an opening bracket, with brackets among its groups too.
_PHONE_RUN = re.compile(r"(?<![\w+])(?:\+ ?)?\(?\d(?:[ .\-()]{0,3}\d)*")
_NORTH_AMERICAN = re.compile(r"\(?[2-9]\d{2}\)?[ .-]?[2-9]\d{2}[ .-]\d{4}")
# No card or phone number is written in more groups than this.
_MOST_GROUPS = 8
# A National Insurance number's shape: two letters, six digits, A to D. (Wider than the valid
# prefixes on purpose: HMRC's own example, QQ 12 34 56 C, is one people copy.)
_NI_NUMBER = re.compile(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.IGNORECASE)
# Not when it is part of a longer run of groups (a phone number written in pairs).
_SORT_CODE = re.compile(r"(?<!\d)(?<!\d[- ])\d{2}[- ]\d{2}[- ]\d{2}(?![\d-])(?![ ]\d)")
_ACCOUNT = re.compile(r"\b(?:account|acc|a/c)(?: number| no\.?)?:? ?\d{8}\b", re.IGNORECASE)

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_FULL_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?\d[A-Z]{2}\b", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"\d[\d ]{3,}\d")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
REPORT_CHARS = 200


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


Span = tuple[int, int]


def _replace_spans(
    text: str, judge: Callable[[str, list[Span], int, int], bool], start_at_run: bool, mark: str
) -> str:
    """Every longest run of whole groups, from the left, that `judge` accepts becomes `mark`."""
    groups = [match.span() for match in _GROUP.finditer(text)]
    out, done, first = [], 0, 0
    while first < len(groups):
        for last in range(min(len(groups), first + _MOST_GROUPS) - 1, first - 1, -1):
            if judge(text, groups, first, last):
                start = 0 if first == 0 and start_at_run else groups[first][0]
                out += [text[done:start], mark]
                done, first = groups[last][1], last + 1
                break
        else:
            first += 1
    return "".join(out) + text[done:]


def _is_card(text: str, groups: list[Span], first: int, last: int) -> bool:
    sizes = [end - start for start, end in groups[first : last + 1]]
    if not 13 <= sum(sizes) <= 19 or any(size < 3 for size in sizes[:-1]):
        return False
    return _luhn("".join(text[start:end] for start, end in groups[first : last + 1]))


def _is_phone(text: str, groups: list[Span], first: int, last: int) -> bool:
    digits = "".join(text[start:end] for start, end in groups[first : last + 1])
    first_group = groups[first][1] - groups[first][0]
    if first == 0 and text.startswith("+"):
        return 8 <= len(digits) <= 15
    if digits.startswith("00"):
        return 10 <= len(digits) <= 17 and first_group >= 2
    if digits.startswith("0"):
        return len(digits) in (10, 11) and first_group >= 3
    start = groups[first][0] - (1 if first == 0 and text.startswith("(") else 0)
    return _NORTH_AMERICAN.fullmatch(text[start : groups[last][1]]) is not None


def _cards(match: re.Match[str]) -> str:
    return _replace_spans(match.group(), _is_card, False, REMOVED)


def _phones(match: re.Match[str]) -> str:
    return _replace_spans(match.group(), _is_phone, True, "[phone]")


def redact_sensitive(text: str) -> tuple[str, bool]:
    """The text without card numbers, NI numbers, sort codes and account numbers; and whether any went."""
    redacted = _DIGIT_RUN.sub(_cards, text)
    for pattern in (_NI_NUMBER, _ACCOUNT, _SORT_CODE):
        redacted = pattern.sub(REMOVED, redacted)
    return redacted, redacted != text


def without_contact_details(text: str) -> str:
    """Phone numbers and e-mail addresses typed into a message: the bot never needs them (it
    cannot call anyone back), so they are not kept either."""
    return _PHONE_RUN.sub(_phones, _EMAIL.sub("[email]", text))


def only_removed(text: str) -> bool:
    """Nothing but removed details (and punctuation) is left: there is no question to answer."""
    return not re.sub(r"[\W_]+", "", text.replace(REMOVED, ""))


def scrub_for_report(text: str) -> str:
    """A message fit for staff to read in aggregate: no way to reach or identify the sender."""
    scrubbed, _ = redact_sensitive(text)
    scrubbed = without_contact_details(_URL.sub("[link]", scrubbed))
    scrubbed = _FULL_POSTCODE.sub(lambda m: m.group(1).upper(), scrubbed)
    scrubbed = _LONG_NUMBER.sub("[number]", scrubbed)
    scrubbed = re.sub(r"\s+", " ", scrubbed).strip().lower()
    return scrubbed[:REPORT_CHARS]
