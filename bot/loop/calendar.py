"""The web chat's reminder: a calendar file (.ics) and a printable page, behind a signed link.

The web chat cannot message anyone later, so the bot links to `/calendar/<token>.ics` and
`/calendar/<token>`. The token is the session id and start, signed (itsdangerous, the session
secret), so a link cannot be made up for other data; it names no person, and neither do the
file and the page: only the session, the place, its address and a phone number.
"""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from bot.db.models import HelpSession
from bot.loop.details import SessionFacts, facts
from bot.outbound.quiet import QuietHours, as_utc
from bot.venues.schedule import DEFAULT_LENGTH

SALT = "calendar-link"


@dataclass(frozen=True)
class Links:
    ics: str
    page: str


class CalendarLinks:
    def __init__(self, secret: str, base_url: str | None = None) -> None:
        self._signer = URLSafeSerializer(secret, salt=SALT)
        self._base = (base_url or "").rstrip("/")

    def token(self, session_id: int, starts_at: datetime) -> str:
        return str(self._signer.dumps([session_id, as_utc(starts_at).isoformat()]))

    def links(self, session_id: int, starts_at: datetime) -> Links:
        token = self.token(session_id, starts_at)
        return Links(f"{self._base}/calendar/{token}.ics", f"{self._base}/calendar/{token}")

    def read(self, token: str) -> tuple[int, datetime] | None:
        """The session id and start a token names, or None when it is not one of ours."""
        try:
            session_id, starts = self._signer.loads(token)
            return int(session_id), as_utc(datetime.fromisoformat(str(starts)))
        except (BadSignature, TypeError, ValueError):
            return None


def _end(help_session: HelpSession, starts_at: datetime, quiet: QuietHours) -> datetime:
    if help_session.end_time is None:
        return as_utc(starts_at) + DEFAULT_LENGTH
    local = as_utc(starts_at).astimezone(quiet.zone)
    return datetime.combine(local.date(), help_session.end_time, quiet.zone)


def ics_file(help_session: HelpSession, starts_at: datetime, quiet: QuietHours, phone: str) -> bytes:
    """One event in Europe/London (with its VTIMEZONE), the address as its location, a reminder
    alarm the day before."""
    said = facts(help_session, starts_at, quiet, phone)
    start = as_utc(starts_at).astimezone(quiet.zone)
    event = Event.new(
        summary=f"{said.session} at {said.place}",
        start=start,
        end=_end(help_session, starts_at, quiet),
        location=f"{said.place}, {said.address}",
        description=f"Free help to get online. Questions? Call {said.phone}.",
        uid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"getonline:{help_session.id}:{start.isoformat()}")),
    )
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Tomorrow: {said.session} at {said.place}")
    alarm.add("trigger", timedelta(days=-1))
    event.add_component(alarm)
    calendar = Calendar.new(prodid="-//Get Online//Reminders//EN", subcomponents=[event])
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def printable_page(said: SessionFacts, ics_link: str) -> str:
    """A plain page to print or keep: what, when, where, who to call."""
    e = html.escape
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(said.session)}</title>
<style>body{{font:1.4rem/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}}
h1{{font-size:2rem}} dt{{font-weight:bold}} @media print{{.noprint{{display:none}}}}</style></head>
<body><h1>{e(said.session)}</h1>
<dl><dt>When</dt><dd>{e(said.day)} at {e(said.time)}</dd>
<dt>Where</dt><dd>{e(said.place)}<br>{e(said.address)}</dd>
<dt>Questions?</dt><dd>Call {e(said.phone)}</dd></dl>
<p>It's free. You don't need to bring anything, but bring your phone or tablet if you have one.</p>
<p class="noprint"><button onclick="window.print()">Print this page</button>
<a href="{e(ics_link)}">Add to my calendar</a></p>
</body></html>"""


def lookup(session: Session, links: CalendarLinks, token: str) -> tuple[HelpSession, datetime] | None:
    """The session a link is for, when the link is ours and the session still listed."""
    read = links.read(token)
    if read is None:
        return None
    help_session = session.get(HelpSession, read[0])
    if help_session is None or not help_session.active:
        return None
    return help_session, read[1]
