"""The facts a reminder or a reply names: session, day, time, place, address, phone; and the
nearest alternative when a resident could not go or a session is cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.db.models import HelpSession
from bot.loop.listed import Listed
from bot.outbound.quiet import QuietHours, as_utc
from bot.venues.nearest import VenueFilter, nearest_venues
from bot.venues.schedule import next_occurrence, rule_of


@dataclass(frozen=True)
class SessionFacts:
    session: str
    day: str  # "Tuesday 8 December"
    time: str  # "10am"
    place: str
    address: str
    phone: str

    def params(self) -> dict[str, str]:
        return {
            "session": self.session,
            "day": self.day,
            "time": self.time,
            "place": self.place,
            "address": self.address,
            "phone": self.phone,
        }


def clock(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def facts(
    help_session: HelpSession, starts_at: datetime, quiet: QuietHours, helpline_phone: str
) -> SessionFacts:
    local = as_utc(starts_at).astimezone(quiet.zone)
    venue = help_session.venue
    address = venue.address.strip().rstrip(",") or (venue.postcode or "")
    if venue.postcode and venue.postcode.replace(" ", "") not in address.upper().replace(" ", ""):
        address = f"{address}, {venue.postcode}"
    return SessionFacts(
        session=help_session.title,
        day=f"{local:%A} {local.day} {local:%B}",
        time=clock(local),
        place=venue.name,
        address=address,
        phone=venue.phone or helpline_phone,
    )


def next_date(help_session: HelpSession, after: datetime) -> datetime | None:
    """The session's next start after `after` (None when it does not happen again)."""
    occurrence = next_occurrence(rule_of(help_session), as_utc(after) + timedelta(minutes=1))
    while occurrence is not None and occurrence.starts_at <= as_utc(after):
        occurrence = next_occurrence(rule_of(help_session), occurrence.starts_at + timedelta(days=1))
    return occurrence.starts_at if occurrence is not None else None


def nearby_alternative(
    session: Session, help_session: HelpSession, now: datetime, *, exclude_venue: bool = True
) -> Listed | None:
    """The next session at the nearest other venue (within 10 miles and 30 days)."""
    venue = help_session.venue
    found = nearest_venues(
        session,
        venue.latitude,
        venue.longitude,
        limit=4,
        filters=VenueFilter(within_days=30),
        now=now,
    )
    for item in found:
        upcoming = item.next_session
        if upcoming is None or (exclude_venue and item.venue_id == venue.id):
            continue
        if upcoming.session_id == help_session.id:
            continue
        other = session.get(HelpSession, upcoming.session_id)
        if other is None:
            continue
        return Listed(
            number=2,
            session_id=other.id,
            venue_id=item.venue_id,
            venue=other.venue.name,
            title=other.title,
            starts_at=upcoming.starts_at,
            booking_required=other.booking_required,
        )
    return None


def say_when(listed: Listed, quiet: QuietHours) -> str:
    local = as_utc(listed.starts_at).astimezone(quiet.zone)
    return f"{listed.title} at {listed.venue}, {local:%A} {local.day} {local:%B} at {clock(local)}"
