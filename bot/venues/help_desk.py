"""What the conversation says about nearby help: the search, rendered, with the way forward.

The Rasa actions and `python -m bot nearest` use a `HelpDesk` and nothing else of the venue
package, so the command shows exactly what residents are told. The edge that starts the
process (the action server, the CLI) builds one from settings, with the one postcodes.io
client, and closes it when it stops. A location is what the resident typed (a postcode, an
outcode or a place) or, for a location shared on Telegram, "geo:<lat>,<lon>" as the gateway
writes it.

A location turn is searched once: the form's validation searches to check the location, and
keeps the first page for the action that answers the same message (`turn`).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot.db.models import LoopStep, UsageKind
from bot.db.session import session_scope
from bot.geo.gazetteer import load_gazetteer
from bot.geo.locate import LocationError, Precision
from bot.geo.postcodes_io import PostcodeGeocoder, PostcodesIO
from bot.local import cached_local
from bot.loop.events import record_steps
from bot.loop.listed import Listed
from bot.replies import FIND_HELP, MENU, TALK_TO_PERSON, Button, Pin, Reply, intent_payload
from bot.settings import Settings
from bot.usage.events import Usage, write_usage
from bot.venues.help_text import ERROR_MESSAGES, render_help_text
from bot.venues.search import HelpResult, find_help, geocoder_for

MORE_RESULTS = Button("More", intent_payload("more_results"))
REMIND_ME = Button("Remind me", intent_payload("remind_me"))
PAGE_SIZE = 3
_GEO = re.compile(r"^geo:(-?\d{1,2}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?)$")
# Searches kept from a validation for the action of the same turn; old ones make room.
_TURNS_KEPT = 256


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


def no_location_yet() -> Reply:
    return Reply("Tell me your postcode or area first, and I'll find help near you.", (FIND_HELP, MENU))


@dataclass
class HelpDesk:
    """Nearby help for the conversation: one per process, built at its edge."""

    database_url: str
    # Re-read when staff edit them: the gazetteer (place names) and content/local.yml (helpline).
    places_file: Path
    local_file: Path
    geocoder: PostcodeGeocoder | None = None
    _turns: OrderedDict[tuple[str, str, str | None], HelpResult] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Settings, geocoder: PostcodeGeocoder | None = None) -> HelpDesk:
        """The desk for these settings; with postcodes.io (when enabled) unless a geocoder is given."""
        return cls(
            settings.database_url,
            settings.places_file,
            settings.local_file,
            geocoder if geocoder is not None else geocoder_for(settings),
        )

    def close(self) -> None:
        """Close the postcodes.io client (its connections), if this desk has one."""
        if isinstance(self.geocoder, PostcodesIO):
            self.geocoder.close()

    def __enter__(self) -> HelpDesk:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def helpline(self) -> str:
        """Who to call, from the council's one file of local contacts (content/local.yml)."""
        helpline = cached_local(self.local_file).helpline
        return f"{helpline.name} on {helpline.phone}"

    def search(
        self,
        session: Session,
        location: str,
        need: str | None = None,
        offset: int = 0,
        *,
        limit: int = PAGE_SIZE,
        now: datetime | None = None,
        features: Iterable[str] = (),
        language: str | None = None,
        within_days: int | None = None,
    ) -> HelpResult:
        """The search the conversation makes for `location` as the resident gave it."""
        where: str | None = location
        lat = lon = None
        shared = _GEO.match(location.strip())
        if shared:
            where, lat, lon = None, float(shared.group(1)), float(shared.group(2))
        return find_help(
            session,
            where,
            lat=lat,
            lon=lon,
            need=need,
            offset=offset,
            limit=limit,
            now=now,
            features=features,
            language=language,
            within_days=within_days,
            gazetteer=load_gazetteer(self.places_file),
            helpline=self.helpline(),
            geocoder=self.geocoder,
        )

    def location_problem(
        self, location: str, need: str | None = None, *, turn: str | None = None
    ) -> str | None:
        """Why this location cannot be used (a message for the resident), or None if it can.

        With `turn` (the message being answered), the first page found is kept for `answer`.
        """
        with session_scope(self.database_url) as session:
            result = self.search(session, location, need)
        if result.ok and turn is not None:
            with self._lock:
                self._turns[(turn, location, need)] = result
                while len(self._turns) > _TURNS_KEPT:
                    self._turns.popitem(last=False)
        return None if result.ok else ERROR_MESSAGES[result.error or LocationError.NO_LOCATION]

    def _kept(self, turn: str | None, location: str, need: str | None) -> HelpResult | None:
        if turn is None:
            return None
        with self._lock:
            return self._turns.pop((turn, location, need), None)

    def answer(
        self,
        location: str,
        need: str | None = None,
        offset: int = 0,
        *,
        sms: bool = False,
        asker: Asker | None = None,
        turn: str | None = None,
        most: int | None = None,
    ) -> HelpReply:
        """The reply with the nearest help, and where "More" carries on.

        `most`: show at most this many places (an answer given in the middle of a form by SMS,
        where the form's question must still fit in the same text); "More" shows the rest.
        """
        with session_scope(self.database_url) as session:
            kept = self._kept(turn, location, need) if offset == 0 else None
            result = kept if kept is not None else self.search(session, location, need, offset)
            if most is not None and len(result.venues) > most:
                result = replace(result, venues=result.venues[:most], has_more=True)
            if asker is not None and result.ok and offset == 0:
                usage = Usage.of(UsageKind.SEARCH, asker.channel, asker.conversation_id, search_area(result))
                write_usage(session, [usage])
            if asker is not None and result.ok and result.venues:
                shown = [venue.venue_id for venue in result.venues]
                record_steps(
                    session, LoopStep.SHOWN, asker.conversation_id, channel=asker.channel, venue_ids=shown
                )
        return help_reply(result, sms=sms)


def help_reply(result: HelpResult, *, sms: bool = False) -> HelpReply:
    """A search's result as the resident's reply, with its buttons and map pins."""
    text = render_help_text(result, sms=sms)
    if not result.ok:
        return HelpReply(Reply(text, (MENU,)), 0, location_ok=False)
    buttons: tuple[Button, ...] = (MORE_RESULTS, MENU) if result.has_more else (TALK_TO_PERSON, MENU)
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
