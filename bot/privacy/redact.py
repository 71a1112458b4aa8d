"""Personal details that must never be kept: removed before a message goes any further.

Residents are told not to send bank details or their National Insurance number, yet some will.
`redact_sensitive` takes those out of every message before the engine (and so the conversation
store) sees it, and `without_contact_details` the phone numbers and e-mail addresses.
`scrub_for_report` goes further for the "not understood" report staff read: full postcodes and
long numbers go too.
"""

from __future__ import annotations

import re

REMOVED = "[removed]"

# 13 to 19 digits, in groups separated by spaces or dashes: a payment card if the Luhn check agrees.
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# A National Insurance number's shape: two letters, six digits, A to D. (Wider than the valid
# prefixes on purpose: HMRC's own example, QQ 12 34 56 C, is one people copy.)
_NI_NUMBER = re.compile(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.IGNORECASE)
_SORT_CODE = re.compile(r"(?<!\d)\d{2}[- ]\d{2}[- ]\d{2}(?![\d-])")
_ACCOUNT = re.compile(r"\b(?:account|acc|a/c)(?: number| no\.?)?:? ?\d{8}\b", re.IGNORECASE)

_PHONE = re.compile(r"(?<![\w+])(?:\+44 ?|0044 ?|0)(?:\d[ -]?){8,9}\d(?!\d)")
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


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return REMOVED if 13 <= len(digits) <= 19 and _luhn(digits) else match.group()


def redact_sensitive(text: str) -> tuple[str, bool]:
    """The text without card numbers, NI numbers, sort codes and account numbers; and whether any went."""
    redacted = _CARD.sub(_card, text)
    for pattern in (_NI_NUMBER, _ACCOUNT, _SORT_CODE):
        redacted = pattern.sub(REMOVED, redacted)
    return redacted, redacted != text


def without_contact_details(text: str) -> str:
    """Phone numbers and e-mail addresses typed into a message: the bot never needs them (it
    cannot call anyone back), so they are not kept either."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


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
