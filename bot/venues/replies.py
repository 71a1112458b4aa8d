"""What the conversation says about nearby help: the search, rendered, with the way forward.

The Rasa actions call these two functions and nothing else of the venue package.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.session import session_scope
from bot.geo.locate import LocationError
from bot.replies import FIND_HELP, MENU, TALK_TO_PERSON, Button, Reply, intent_payload
from bot.venues.render import ERROR_MESSAGES, render_help_text
from bot.venues.search import find_help

MORE_RESULTS = Button("More", intent_payload("more_results"))


@dataclass(frozen=True)
class HelpReply:
    reply: Reply
    next_offset: int
    # False when the location could not be used: the form should ask again.
    location_ok: bool


def nearest_help(
    database_url: str, location: str, need: str | None = None, offset: int = 0, *, sms: bool = False
) -> HelpReply:
    with session_scope(database_url) as session:
        result = find_help(session, location, need=need, offset=offset)
    text = render_help_text(result, sms=sms)
    if not result.ok:
        return HelpReply(Reply(text, (MENU,)), 0, location_ok=False)
    buttons = (MORE_RESULTS, MENU) if result.has_more else (TALK_TO_PERSON, MENU)
    return HelpReply(Reply(text, buttons), result.next_offset, location_ok=True)


def location_problem(database_url: str, location: str) -> str | None:
    """Why this location cannot be used (a message for the resident), or None if it can."""
    with session_scope(database_url) as session:
        result = find_help(session, location, limit=1)
    return None if result.ok else ERROR_MESSAGES[result.error or LocationError.NO_LOCATION]


def no_location_yet() -> Reply:
    return Reply("Tell me your postcode or area first, and I'll find help near you.", (FIND_HELP, MENU))
