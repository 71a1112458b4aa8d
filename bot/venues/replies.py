"""What the conversation says about nearby help: the search, rendered, with the way forward.

The Rasa actions call these functions and nothing else of the venue package. A location is
what the resident typed (a postcode, an outcode or a place) or, for a location shared on
Telegram, "geo:<lat>,<lon>" as the gateway writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.db.models import LoopStep, UsageKind
from bot.db.session import session_scope
from bot.geo.locate import LocationError, Precision
from bot.loop.events import record_steps
from bot.loop.listed import Listed
from bot.replies import FIND_HELP, MENU, TALK_TO_PERSON, Button, Pin, Reply, intent_payload
from bot.usage.events import Usage, write_usage
from bot.venues.render import ERROR_MESSAGES, render_help_text
from bot.venues.search import HelpResult, find_help

MORE_RESULTS = Button("More", intent_payload("more_results"))
REMIND_ME = Button("Remind me", intent_payload("remind_me"))
_GEO = re.compile(r"^geo:(-?\d{1,2}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?)$")


@dataclass(frozen=True)
class HelpReply:
    reply: Reply
    next_offset: int
    # False when the location could not be used: the form should ask again.
    location_ok: bool
    # The sessions shown, numbered as listed: what "remind me about 2" can refer to (bot.loop).
    listed: tuple[Listed, ...] = ()


@dataclass(frozen=True)
class Asker:
    """Who searched, for the "searches by area" report (pseudonymous id, channel)."""

    conversation_id: str
    channel: str


def _search(
    session: Session, location: str, need: str | None = None, offset: int = 0, limit: int = 3
) -> HelpResult:
    shared = _GEO.match(location.strip())
    if shared:
        latitude, longitude = float(shared.group(1)), float(shared.group(2))
        return find_help(session, lat=latitude, lon=longitude, need=need, offset=offset, limit=limit)
    return find_help(session, location, need=need, offset=offset, limit=limit)


def search_area(result: HelpResult) -> str:
    """The area a search was for, coarse enough for a report: an outcode, a place, or "shared location"."""
    where = result.location
    if where is None:
        return ""
    if where.precision in (Precision.POSTCODE, Precision.OUTCODE):
        return where.label.split()[0]  # never a full postcode: that can point at a home
    if where.precision is Precision.COORDINATES:
        return "shared location"
    return where.label


def nearest_help(
    database_url: str,
    location: str,
    need: str | None = None,
    offset: int = 0,
    *,
    sms: bool = False,
    asker: Asker | None = None,
) -> HelpReply:
    with session_scope(database_url) as session:
        result = _search(session, location, need=need, offset=offset)
        if asker is not None and result.ok and offset == 0:
            usage = Usage.of(UsageKind.SEARCH, asker.channel, asker.conversation_id, search_area(result))
            write_usage(session, [usage])
        if asker is not None and result.ok and result.venues:
            shown = [venue.venue_id for venue in result.venues]
            record_steps(
                session, LoopStep.SHOWN, asker.conversation_id, channel=asker.channel, venue_ids=shown
            )
    text = render_help_text(result, sms=sms)
    if not result.ok:
        return HelpReply(Reply(text, (MENU,)), 0, location_ok=False)
    buttons = (MORE_RESULTS, MENU) if result.has_more else (TALK_TO_PERSON, MENU)
    listed = listed_of(result)
    if listed:
        buttons = (*buttons[:-1], REMIND_ME, buttons[-1])  # before Menu: "1" stays More by SMS
    pins = tuple(Pin(v.name, v.address, v.latitude, v.longitude) for v in result.venues)
    return HelpReply(Reply(text, buttons, pins), result.next_offset, location_ok=True, listed=listed)


def listed_of(result: HelpResult) -> tuple[Listed, ...]:
    """The shown venues' next sessions, with the numbers the list gave them."""
    return tuple(
        Listed(
            number=number,
            session_id=venue.next_session.session_id,
            venue_id=venue.venue_id,
            venue=venue.name,
            title=venue.next_session.title,
            starts_at=venue.next_session.starts_at,
            booking_required=venue.next_session.booking_required,
        )
        for number, venue in enumerate(result.venues, start=result.offset + 1)
        if venue.next_session is not None
    )


def location_problem(database_url: str, location: str) -> str | None:
    """Why this location cannot be used (a message for the resident), or None if it can."""
    with session_scope(database_url) as session:
        result = _search(session, location, limit=1)
    return None if result.ok else ERROR_MESSAGES[result.error or LocationError.NO_LOCATION]


def no_location_yet() -> Reply:
    return Reply("Tell me your postcode or area first, and I'll find help near you.", (FIND_HELP, MENU))
