"""Checking a number a resident types for a call back, with Google's libphonenumber port.

`phonenumbers` knows Ofcom's numbering plan (which ranges are mobiles, landlines, premium rate),
which a hand-written pattern would get wrong and never keep up to date. A champion rings UK
mobiles and landlines (and 03 numbers); premium-rate, personal (070) and shared-cost numbers
are refused, since ringing them costs the programme or reaches someone else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import PhoneNumberType

REGION = "GB"
_DIGITS = re.compile(r"\d")
CALLABLE = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline",
    PhoneNumberType.UAN: "landline",
    PhoneNumberType.VOIP: "landline",
}


class Problem(StrEnum):
    NOT_A_NUMBER = "invalid"
    NOT_UK = "not_uk"
    NOT_CALLABLE = "not_callable"


@dataclass(frozen=True)
class NumberCheck:
    """The number in E.164 ("+447911123456") and its kind, or the problem with it."""

    e164: str | None
    kind: str | None
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def looks_like_number(text: str) -> bool:
    """A message that is meant as a phone number (six digits or more), not "skip" or a question."""
    return len(_DIGITS.findall(text)) >= 6


def check_number(text: str) -> NumberCheck:
    try:
        number = phonenumbers.parse(text.strip(), REGION)
    except phonenumbers.NumberParseException:
        return NumberCheck(None, None, Problem.NOT_A_NUMBER)
    if not phonenumbers.is_valid_number(number):
        # A foreign number that is merely mistyped is still "not UK" to the resident.
        foreign = number.country_code != phonenumbers.country_code_for_region(REGION)
        return NumberCheck(None, None, Problem.NOT_UK if foreign else Problem.NOT_A_NUMBER)
    if number.country_code != phonenumbers.country_code_for_region(REGION):
        # +44 covers the Channel Islands and the Isle of Man too: dialled like UK numbers.
        return NumberCheck(None, None, Problem.NOT_UK)
    kind = CALLABLE.get(phonenumbers.number_type(number))
    if kind is None:
        return NumberCheck(None, None, Problem.NOT_CALLABLE)
    return NumberCheck(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), kind, None)


def for_staff(e164: str) -> str:
    """The number as a person dials it in the UK ("07911 123456")."""
    return phonenumbers.format_number(
        phonenumbers.parse(e164, REGION), phonenumbers.PhoneNumberFormat.NATIONAL
    )
