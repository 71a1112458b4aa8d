"""The rules a venue's details obey, whether they come from a spreadsheet or the admin form.

One wording per rule: the importers report it as it is, with the row ("row 4: email 'x' does
not look like an email address"); the admin form shows it as a sentence under the field
(`sentence`). Each check raises ValueError, or returns a problem, in words staff can act on.
"""

from __future__ import annotations

from bot.geo import postcodes

# (column, lowest, highest) for the two coordinates.
COORDINATES = (("latitude", -90.0, 90.0), ("longitude", -180.0, 180.0))


def full_postcode(value: str | None) -> str | None:
    """A full UK postcode in its normal form ("ls97bg" -> "LS9 7BG"), or None when empty."""
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    parsed = postcodes.parse(cleaned)
    if parsed is None or not parsed.is_full:
        raise ValueError(f"postcode '{cleaned}' is not a full UK postcode, like LS9 7BG")
    return str(parsed)


def email(value: str | None) -> str | None:
    """An address with an @ and no spaces, or None when empty."""
    cleaned = (value or "").strip()
    if cleaned and ("@" not in cleaned or " " in cleaned):
        raise ValueError(f"email '{cleaned}' does not look like an email address")
    return cleaned or None


def coordinate_problem(field: str, value: float | None) -> str | None:
    """Why a latitude or longitude is out of range, if it is."""
    for name, low, high in COORDINATES:
        if name == field and value is not None and not low <= value <= high:
            return f"{field} should be between {low:g} and {high:g}, not {value:g}"
    return None


# The two rules about where a venue is, and the field each one is about.
BOTH_COORDINATES = "give both latitude and longitude, or neither"
NO_PLACE = "give a postcode, or the latitude and longitude"


def position_problem(
    postcode: str | None, latitude: float | None, longitude: float | None
) -> tuple[str, str] | None:
    """(field, problem) when the venue cannot be placed: coordinates come in pairs, and a venue
    needs a postcode or both of them."""
    if (latitude is None) != (longitude is None):
        return ("longitude" if longitude is None else "latitude"), BOTH_COORDINATES
    if postcode is None and latitude is None:
        return "postcode", NO_PLACE
    return None


def sentence(problem: str) -> str:
    """A rule's wording as the admin form shows it: "Give both latitude and longitude, or neither."."""
    return problem[:1].upper() + problem[1:] + "."
