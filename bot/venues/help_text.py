"""The resident's reply for a `HelpResult`: short, plain words, SMS-friendly.

Three venues should fit in about three SMS segments (459 characters); when the full form is
longer, addresses are cut to their first line, then to the postcode, then facilities go. The OS line is
added whenever the resident's position came from Code-Point Open (a postcode or outcode).
"""

from __future__ import annotations

from datetime import datetime

from bot.geo.codepoint import ATTRIBUTION
from bot.geo.locate import LocationError
from bot.venues.nearest import NextSession
from bot.venues.schedule import LONDON
from bot.venues.search import SEARCH_MILES, HelpResult, VenueMatch

SMS_BUDGET = 459
# By SMS the numbered options ("1 More", "2 Menu") follow the list and share its 3 segments, so
# the list itself is shorter and uses dashes: a typed "1" must only ever mean an option.
SMS_LIST_BUDGET = 360

ERROR_MESSAGES = {
    LocationError.MALFORMED_POSTCODE: (
        "That postcode doesn't look right. Please check it and try again. A postcode looks like LS9 7BE."
    ),
    LocationError.UNKNOWN_POSTCODE: (
        "I can't find that postcode. Please check it, or tell me the area you live in, like Harehills."
    ),
    LocationError.OUTSIDE_AREA: (
        "I can only find help in and around Leeds. Please send a Leeds postcode, like LS9 7BE."
    ),
    LocationError.UNKNOWN_PLACE: (
        "I don't know that place. Please send your postcode, like LS9 7BE, or the area you live in."
    ),
    LocationError.BAD_COORDINATES: "I couldn't read that location. Please send your postcode instead.",
    LocationError.NO_LOCATION: "Please tell me your postcode or the area you live in.",
}


def _clock(moment: datetime) -> str:
    """10am, 1:30pm."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def describe_when(session: NextSession | None, now: datetime) -> str:
    """ "Next: Tue 2 Dec, 10am", "Help is on now until 12pm", or a nudge to ask."""
    if session is None:
        return "Ask them about help times."
    local_now = now.astimezone(LONDON)
    starts = session.starts_at.astimezone(LONDON)
    if starts <= local_now:
        until = f" until {_clock(session.ends_at.astimezone(LONDON))}" if session.ends_at else ""
        text = f"Help is on now{until}."
    else:
        days = (starts.date() - local_now.date()).days
        day = "today" if days == 0 else "tomorrow" if days == 1 else f"{starts:%a} {starts.day} {starts:%b}"
        text = f"Next: {day}, {_clock(starts)}."
    if session.booking_required:
        text += " Book first."
    return text


def _miles(venue: VenueMatch) -> str:
    miles = venue.distance_miles
    return "under 0.1 miles" if miles < 0.1 else f"{miles:.1f} miles"


def _address(venue: VenueMatch, detail: int) -> str:
    """The address at a level of detail: 2 in full (less "Leeds"), 1 its first line, 0 the postcode."""
    address = venue.address.strip().rstrip(",") if detail else ""
    if detail == 1:
        address = address.split(",")[0].strip()
    elif address.lower().endswith(", leeds"):
        address = address[: -len(", leeds")]
    if venue.postcode and venue.postcode.replace(" ", "") not in address.upper().replace(" ", ""):
        address = f"{address}, {venue.postcode}" if address else venue.postcode
    return address


def _venue_line(
    marker: str, venue: VenueMatch, now: datetime, *, detail: int, features: bool, phone: bool = True
) -> str:
    parts = [f"{marker} {venue.name}, {_miles(venue)}.", describe_when(venue.next_session, now)]
    address = _address(venue, detail)
    if address:
        parts.append(f"{address}.")
    if venue.phone and phone:
        parts.append(f"Tel {venue.phone}.")
    if features and venue.key_accessibility:
        parts.append(f"{', '.join(venue.key_accessibility).capitalize()}.")
    return " ".join(parts)


def _header(result: HelpResult) -> str:
    location = result.location
    label = location.label if location else "you"
    lines = []
    if location is not None and location.approximate:
        lines.append(f"I used the middle of {label.split()[0]}.")
    if result.need is not None and not result.need_matched:
        lines.append(f"I can't find sessions for {result.need.phrase} near you. These places can still help.")
    if result.offset:
        lines.append("Here are more places." if not result.widened else "Here are more places, further away.")
    elif result.widened:
        lines.append(f"There is nothing within {SEARCH_MILES:.0f} miles of {label}, so I looked further.")
    elif result.need is not None and result.need_matched:
        lines.append(f"Help for {result.need.phrase} near {label}:")
    else:
        lines.append(f"Help near {label}:")
    return "\n".join(lines)


def _nothing(result: HelpResult) -> str:
    if result.offset:
        return f"There are no more places near you. For more help, call {result.helpline}."
    return f"I can't find any help near you. Please call {result.helpline}."


def render_help_text(result: HelpResult, *, now: datetime | None = None, sms: bool = False) -> str:
    """The reply for the resident. `sms=True` writes (c) for © so the text stays in GSM-7 and marks
    the venues with dashes rather than numbers. "More" is a button on every channel (SMS numbers
    it), so the text never says "send MORE": beside a More button that reads as written for SMS."""
    if result.error is not None:
        return ERROR_MESSAGES[result.error]
    now = now or datetime.now(LONDON)
    footer = []
    if result.location is not None and result.location.from_ordnance_survey:
        footer.append(ATTRIBUTION)
    if not result.venues:
        text = "\n".join([_nothing(result), *footer])
    else:
        text = ""
        # Shorter and shorter forms until the reply fits: address first, facilities last.
        budget = SMS_LIST_BUDGET if sms else SMS_BUDGET
        # The last resort drops phone numbers: the postcode is enough to find the place.
        for detail, features, phone in (
            (2, True, True),
            (1, True, True),
            (0, True, True),
            (0, False, True),
            (0, False, False),
        ):
            lines = [
                _venue_line(
                    "-" if sms else f"{number}.", venue, now, detail=detail, features=features, phone=phone
                )
                for number, venue in enumerate(result.venues, start=result.offset + 1)
            ]
            text = "\n".join([_header(result), *lines, *footer])
            if len(text) <= budget:
                break
    return text.replace("©", "(c)") if sms else text
