"""Checks that need the database: where a postcode is, and names and codes that must be unique.

Plain functions over a session, so they are tested without HTTP; the views run them in a
worker thread and turn a message into a `Problem` shown above the form.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import DigitalChampion, Organisation, Venue
from bot.geo import postcodes
from bot.geo.locate import locate_postcode
from bot.geo.postcodes_io import PostcodeGeocoder
from bot.venues import rules

CODE_PATTERN = re.compile(r"[A-Z0-9_-]{3,40}")


def place_postcode(
    session: Session, postcode: str, geocoder: PostcodeGeocoder | None
) -> tuple[float, float] | str:
    """(latitude, longitude) of a full postcode, or why it cannot be placed."""
    try:
        parsed = postcodes.parse(rules.full_postcode(postcode) or "")
    except ValueError as error:
        return rules.sentence(str(error))
    if parsed is None:
        return rules.sentence(rules.NO_PLACE)
    found = locate_postcode(session, parsed, geocoder)
    if found.location is None:
        return (
            f"We could not find the postcode {parsed}. Check it, or give the latitude and longitude "
            "instead (you can read them from a map)."
        )
    if found.location.approximate:
        return f"The postcode {parsed} has no exact position: give the latitude and longitude too."
    return found.location.latitude, found.location.longitude


def referral_code_problem(
    session: Session, code: str, *, venue_id: int | None, champion_id: int | None
) -> str | None:
    """Why `code` cannot be used (its shape, or another champion or venue has it), or None.

    Codes are unique across champions and venues, because a resident's referral names only the code.
    """
    if not CODE_PATTERN.fullmatch(code):
        return (
            f"The referral code '{code}' should be 3 to 40 capital letters, digits, - or _ "
            "(like LIB-CENTRAL)."
        )
    venue = session.scalar(
        select(Venue).where(func.upper(Venue.referral_code) == code, Venue.id != (venue_id or -1))
    )
    if venue is not None:
        return f"The referral code {code} is already used by the venue {venue.name}."
    champion = session.scalar(
        select(DigitalChampion).where(
            func.upper(DigitalChampion.referral_code) == code, DigitalChampion.id != (champion_id or -1)
        )
    )
    if champion is not None:
        return f"The referral code {code} is already used by the champion {champion.name}."
    return None


def venue_clash(session: Session, name: str, postcode: str | None, venue_id: int | None) -> str | None:
    query = select(Venue.id).where(
        func.lower(Venue.name) == name.strip().lower(), Venue.id != (venue_id or -1)
    )
    query = query.where(Venue.postcode == postcode) if postcode else query.where(Venue.postcode.is_(None))
    if session.scalar(query) is not None:
        where = f" at {postcode}" if postcode else " without a postcode"
        return f"There is already a venue called {name}{where}."
    return None


def organisation_clash(session: Session, name: str, organisation_id: int | None) -> str | None:
    query = select(Organisation.id).where(
        func.lower(Organisation.name) == name.strip().lower(), Organisation.id != (organisation_id or -1)
    )
    if session.scalar(query) is not None:
        return f"There is already an organisation called {name}."
    return None
