from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.db.models import Network
from bot.geo.codepoint import ATTRIBUTION
from bot.geo.locate import Location, LocationError, Precision
from bot.venues.help_text import SMS_BUDGET, SMS_LIST_BUDGET, describe_when, render_help_text
from bot.venues.nearest import NextSession
from bot.venues.needs import NEEDS
from bot.venues.schedule import LONDON
from bot.venues.search import HelpResult, VenueMatch
from tests.readability import readability_problem

NOW = datetime(2025, 11, 26, 9, tzinfo=LONDON)  # Wednesday
POSTCODE = Location(53.7963, -1.5641, "LS1 1AZ", Precision.POSTCODE)
PLACE = Location(53.798, -1.589, "Armley", Precision.PLACE)


def session_at(moment: datetime, **more: object) -> NextSession:
    values: dict[str, object] = {
        "session_id": 1,
        "title": "Get online drop-in",
        "network": Network.GENERAL,
        "starts_at": moment,
        "ends_at": moment + timedelta(hours=2),
        "booking_required": False,
        "cost": "Free",
    }
    values.update(more)
    return NextSession(**values)  # type: ignore[arg-type]


def venue(number: int = 1, **more: object) -> VenueMatch:
    values: dict[str, object] = {
        "venue_id": number,
        "name": f"Compton Centre Library and Community Hub {number}",
        "address": "Compton Centre, Harehills Lane, Leeds",
        "postcode": "LS9 7BG",
        "phone": "0113 378 5005",
        "website": None,
        "latitude": 53.81,
        "longitude": -1.51,
        "distance_km": 1.2 * number,
        "next_session": session_at(datetime(2025, 11, 28, 13, 30, tzinfo=LONDON)),
        "key_accessibility": ("step-free", "hearing loop"),
        "is_sample": True,
    }
    values.update(more)
    return VenueMatch(**values)  # type: ignore[arg-type]


def result(**more: object) -> HelpResult:
    values: dict[str, object] = {
        "location": POSTCODE,
        "venues": (venue(1), venue(2), venue(3)),
        "has_more": True,
        "helpline": "Leeds Libraries on 0113 378 5005",
    }
    values.update(more)
    return HelpResult(**values)  # type: ignore[arg-type]


def test_three_venues_fit_in_three_sms_with_the_os_line() -> None:
    venues = tuple(venue(n, name="Compton Centre Library and Community Hub") for n in (1, 2, 3))
    text = render_help_text(result(venues=venues), now=NOW)
    assert len(text) <= SMS_BUDGET
    assert text.splitlines()[0] == "Help near LS1 1AZ:"
    assert "1. Compton Centre Library and Community Hub, 0.7 miles." in text
    assert "Next: Fri 28 Nov, 1:30pm." in text
    assert "Tel 0113 378 5005." in text and "LS9 7BG" in text
    assert "Send MORE" not in text, "More is a button on every channel; SMS numbers it"
    assert text.endswith(ATTRIBUTION)


def test_long_entries_are_shortened_to_stay_within_the_budget() -> None:
    long_address = "The Very Long Community Centre Building, 123 Long Road Name, Near The Park, Leeds"
    venues = tuple(venue(n, address=long_address) for n in (1, 2, 3))
    full = render_help_text(result(venues=venues), now=NOW)
    assert len(full) <= SMS_BUDGET
    assert "Near The Park" not in full and full.count("LS9 7BG") == 3
    roomy = render_help_text(result(venues=venues[:1], has_more=False), now=NOW)
    assert f"{long_address.removesuffix(', Leeds')}, LS9 7BG." in roomy


def test_no_os_line_for_a_place_or_a_shared_location() -> None:
    assert ATTRIBUTION not in render_help_text(result(location=PLACE), now=NOW)
    assert "(c) Crown" in render_help_text(result(), now=NOW, sms=True)


def test_need_wording() -> None:
    older = NEEDS["older_people"]
    assert render_help_text(result(need=older), now=NOW).startswith("Help for older people near LS1 1AZ:")
    fallback = render_help_text(result(need=NEEDS["sight_loss"], need_matched=False), now=NOW)
    assert fallback.startswith("I can't find sessions for sight loss near you.")


def test_widened_and_empty_results() -> None:
    widened = render_help_text(result(widened=True, radius_miles=25, has_more=False), now=NOW)
    assert widened.startswith("There is nothing within 10 miles of LS1 1AZ, so I looked further.")
    nothing = render_help_text(result(venues=(), widened=True, has_more=False), now=NOW)
    assert "Please call Leeds Libraries on 0113 378 5005." in nothing
    no_more = render_help_text(result(venues=(), offset=3, has_more=False), now=NOW)
    assert no_more.startswith("There are no more places near you.")


def test_approximate_positions_are_owned_up_to() -> None:
    approximate = replace(POSTCODE, label="LS1 9XX", precision=Precision.OUTCODE, approximate=True)
    assert render_help_text(result(location=approximate), now=NOW).startswith("I used the middle of LS1.")


@pytest.mark.parametrize(
    ("starts", "expected"),
    [
        (NOW.replace(hour=14), "Next: today, 2pm."),
        (NOW + timedelta(days=1), "Next: tomorrow, 9am."),
        (NOW - timedelta(minutes=30), "Help is on now until 10:30am."),
        (datetime(2025, 12, 2, 10, tzinfo=LONDON), "Next: Tue 2 Dec, 10am."),
    ],
)
def test_when_the_next_session_is(starts: datetime, expected: str) -> None:
    assert describe_when(session_at(starts), NOW) == expected


def test_booking_and_unknown_times() -> None:
    assert describe_when(session_at(NOW.replace(hour=14), booking_required=True), NOW).endswith("Book first.")
    assert describe_when(None, NOW) == "Ask them about help times."


@pytest.mark.parametrize("error", list(LocationError))
def test_every_error_has_a_plain_message(error: LocationError) -> None:
    text = render_help_text(HelpResult(error=error))
    assert text and len(text) <= 160
    assert readability_problem(text) is None


def test_the_two_postcode_messages_say_what_went_wrong() -> None:
    assert render_help_text(HelpResult(error=LocationError.MALFORMED_POSTCODE)).startswith(
        "That postcode doesn't look right."
    )
    assert render_help_text(HelpResult(error=LocationError.UNKNOWN_POSTCODE)).startswith(
        "I can't find that postcode."
    )


def test_the_reply_reads_plainly() -> None:
    text = render_help_text(result(), now=NOW)
    assert readability_problem(text.replace(ATTRIBUTION, "")) is None


def test_by_sms_the_list_leaves_room_and_numbers_for_the_options() -> None:
    venues = tuple(venue(n, name="Compton Centre Library and Community Hub") for n in (1, 2, 3))
    text = render_help_text(result(venues=venues), now=NOW, sms=True)
    assert len(text) <= SMS_LIST_BUDGET
    assert "- Compton Centre Library and Community Hub, 0.7 miles." in text
    assert "1. " not in text and "Send MORE" not in text, "1 and More are the SMS options"
