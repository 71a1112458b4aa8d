"""What the loop's Rasa actions call: offer a reminder, consent, book, cancel, follow-up, retake.

Each function takes what the action read from the tracker, does its work in one database
transaction, and returns a `LoopTurn`: the replies, the slots to set, and the consent the
gateway must record (the `{"consent": ...}` payload: only the gateway knows the address).
Nothing is scheduled before the resident said yes to exactly what will be sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Booking, BookingStatus, HelpSession, LoopStep, SessionOccurrence
from bot.db.session import session_scope
from bot.loop import booking as bookings
from bot.loop.calendar import CalendarLinks
from bot.loop.details import facts, nearby_alternative, next_date, say_when
from bot.loop.events import record_steps
from bot.loop.listed import WEEKDAYS, Listed, Miss, listed_from_slot, pick
from bot.loop.plan import (
    FOLLOWUP,
    RETAKE_INVITE,
    Planned,
    clock_text,
    describe_plan,
    plan_messages,
    plan_retake,
    soon_choice,
    soon_included,
    when_text,
)
from bot.outbound import NoConsent, QuietHours, cancel_pending, schedule_message
from bot.outbound.quiet import as_utc
from bot.replies import FIND_HELP, MENU, RING_ME_BACK, TALK_TO_PERSON, Button, Reply, intent_payload

YES = Button("Yes please", intent_payload("affirm"))
NO = Button("No thanks", intent_payload("deny"))
CANCEL = Button("Cancel reminders", intent_payload("opt_out"))
SOON_PAYLOAD = intent_payload("affirm", reminder_soon="yes")
FOLLOWUP_INTENT = "EXTERNAL_followup"
MESSAGE_CHANNELS = frozenset({"telegram", "sms"})


@dataclass(frozen=True)
class LoopContext:
    """What the loop needs from settings, passed in by the action server."""

    database_url: str
    quiet: QuietHours
    helpline_name: str
    helpline_phone: str
    calendar: CalendarLinks

    @property
    def helpline(self) -> str:
        return f"{self.helpline_name} on {self.helpline_phone}"


@dataclass(frozen=True)
class LoopTurn:
    replies: list[Reply]
    slots: dict[str, Any] = field(default_factory=dict)
    consent: str | None = None


def _reply(text: str, *buttons: Button) -> Reply:
    return Reply(text, tuple(buttons) or (MENU,))


def _miss_reply(miss: Miss, listed: list[Listed], weekday: int | None) -> Reply:
    if miss is Miss.NOTHING_LISTED:
        return _reply(
            "I can remind you about a help session. First, let's find one near you.", FIND_HELP, MENU
        )
    choices = tuple(
        Button(f"{item.venue}", intent_payload("remind_me", listed_number=str(item.number)))
        for item in listed
    )
    if miss is Miss.NO_SESSION_THAT_DAY and weekday is not None:
        day = WEEKDAYS[weekday].capitalize()
        return Reply(
            f"None of the places I listed has a session on a {day}. Which one would you like?", choices
        )
    if miss is Miss.NO_SUCH_NUMBER:
        return Reply("I didn't list a place with that number. Which one would you like?", choices)
    return Reply("Which session would you like a reminder for?", choices)


def _live(session: Session, chosen: Listed) -> HelpSession | None:
    row = session.get(HelpSession, chosen.session_id)
    if row is None or not row.active or not row.venue.active:
        return None
    return row


def _gone_reply(ctx: LoopContext) -> Reply:
    return _reply(
        "Sorry, that session is no longer running. "
        f"I can find other help near you, or you can call {ctx.helpline}.",
        FIND_HELP,
        TALK_TO_PERSON,
        MENU,
    )


def _current(session: Session, chosen: Listed, now: datetime) -> tuple[Listed, str] | None:
    """The chosen session at a date still to come; a note when the listed date has passed."""
    help_session = session.get(HelpSession, chosen.session_id)
    if help_session is None:
        return None
    if as_utc(chosen.starts_at) > as_utc(now) and _not_cancelled(session, chosen):
        return chosen, ""
    upcoming = next_date(help_session, max(as_utc(now), as_utc(chosen.starts_at)))
    if upcoming is None:
        return None
    later = Listed(
        chosen.number, chosen.session_id, chosen.venue_id, chosen.venue, chosen.title, upcoming,
        chosen.booking_required,
    )  # fmt: skip
    return later, "That date has passed, so I've picked the next one. "


def _not_cancelled(session: Session, chosen: Listed) -> bool:
    cancelled = session.scalar(
        select(SessionOccurrence.cancelled_at).where(
            SessionOccurrence.session_id == chosen.session_id,
            SessionOccurrence.starts_at == as_utc(chosen.starts_at),
        )
    )
    return cancelled is None


def offer(
    ctx: LoopContext,
    *,
    listed_slot: object,
    text: str,
    chosen_number: object,
    channel: str,
    now: datetime,
    wants_booking: bool = False,
) -> LoopTurn:
    """Which session, then exactly what would be sent and when; asks once for a yes."""
    listed = listed_from_slot(listed_slot)
    picked = pick(listed, text, chosen_number, ctx.quiet.zone)
    if picked.chosen is None:
        return LoopTurn(
            [_miss_reply(picked.miss or Miss.WHICH, listed, picked.weekday)], {"loop_choice": None}
        )
    with session_scope(ctx.database_url) as session:
        help_session = _live(session, picked.chosen)
        current = _current(session, picked.chosen, now) if help_session is not None else None
        if help_session is None or current is None:
            return LoopTurn([_gone_reply(ctx)], {"loop_choice": None})
        chosen, note = current
        book = wants_booking or help_session.booking_required
        full = book and bookings.places_left(session, help_session, chosen.starts_at) == 0
    if full:
        return LoopTurn([_full_reply(ctx)], {"loop_choice": None})
    what = say_when(chosen, ctx.quiet)
    slots = {"loop_choice": chosen.as_slot(), "loop_book": book}
    if channel not in MESSAGE_CHANNELS:
        return _web_offer(ctx, chosen, note + what, book, call=channel == "voice")
    planned = plan_messages(chosen.starts_at, None, now, ctx.quiet)
    booking = " and book you a place" if book else ""
    described = describe_plan(planned, ctx.quiet, chosen.starts_at)
    also, extra = ("", None) if soon_included(planned) else _soon_offer(ctx, chosen.starts_at, now)
    text = (
        f"{note}{what}. I can send you {described}{booking}. {also}"
        f"You can cancel at any time. {'Which would you like?' if extra else 'OK?'}"
    )
    return LoopTurn([Reply(text, (YES, extra, NO) if extra else (YES, NO))], slots)


def _quiet_text(quiet: QuietHours) -> str:
    return f"I don't send messages between {clock_text(quiet.start)} and {clock_text(quiet.end)}"


def _soon_offer(ctx: LoopContext, starts_at: datetime, now: datetime) -> tuple[str, Button | None]:
    """The optional reminder a couple of hours before: when it would go, or why it can't."""
    choice = soon_choice(starts_at, now, ctx.quiet)
    if choice.planned is None:
        if choice.moved:
            return f"I can't remind you 2 hours before: {_quiet_text(ctx.quiet)}. ", None
        return "", None
    at = clock_text(as_utc(choice.planned.due_at).astimezone(ctx.quiet.zone))
    if choice.moved:
        return (
            f"I can also remind you on the day, at {at} (not 2 hours before: {_quiet_text(ctx.quiet)}). ",
            Button("Yes, and on the day", SOON_PAYLOAD),
        )
    return f"I can also remind you 2 hours before, at {at}. ", Button("Yes, and 2 hours before", SOON_PAYLOAD)


# "Yes, and 2 hours before too", "both please", "also on the day": the reminder on the day as well.
SOON_WORDS = re.compile(
    r"\b(?:2|two|couple(?: of)?|few) ?h(?:ou)?rs?\b|\bon the day\b|\bsame day\b|\bmorning of\b"
    r"|\bboth\b|\bas well\b|\btoo\b|\balso\b|\bbefore it starts\b",
    re.IGNORECASE,
)


def wants_soon(text: str, entity: object = None) -> bool:
    """The resident chose the reminder on the day too: the button (its entity), or in words."""
    return str(entity or "").lower() in ("yes", "true") or bool(SOON_WORDS.search(text or ""))


def _full_reply(ctx: LoopContext) -> Reply:
    return _reply(
        f"Sorry, that session is full. I can find other help near you, or you can call {ctx.helpline}.",
        FIND_HELP,
        TALK_TO_PERSON,
        MENU,
    )


def _web_offer(ctx: LoopContext, chosen: Listed, what: str, book: bool, *, call: bool = False) -> LoopTurn:
    """The web chat cannot message anyone later: a calendar file and a printable page instead.
    On a phone call the links are not read out (the phone line offers a mobile caller the
    reply by text), so the caller is told the time is worth writing down."""
    links = ctx.calendar.links(chosen.session_id, chosen.starts_at)
    text = (
        f"{what}. I can't send reminders to this web chat, so here is a calendar file to add to your "
        f"phone or computer: {links.ics}\nAnd a page to print: {links.page}"
    )
    if call:
        text = (
            f"{what}. I can't send reminders from a phone call, so please write the day and time down."
            f"\nA calendar file: {links.ics}\nA page to print: {links.page}"
        )
    slots = {"loop_choice": chosen.as_slot(), "loop_book": book}
    if book:
        return LoopTurn(
            [Reply(text), Reply("This session needs booking. Shall I book you a place?", (YES, NO))], slots
        )
    return LoopTurn([_reply(text, FIND_HELP, MENU)], slots)


def message_content(
    help_session: HelpSession,
    item: Planned,
    starts_at: datetime,
    quiet: QuietHours,
    helpline_phone: str,
    ref: str,
) -> dict[str, object]:
    """A reminder's template and facts, or the follow-up's intent with the booking reference."""
    if item.kind == FOLLOWUP:
        return {"intent": FOLLOWUP_INTENT, "entities": {"booking_reference": ref}}
    return {
        "template": item.kind,
        "params": facts(help_session, starts_at, quiet, helpline_phone).params(),
    }


def reference_of(booking: Booking, occurrence: SessionOccurrence) -> str:
    """The outbound messages' reference: cancellable per booking, and per session and date."""
    day = as_utc(occurrence.starts_at).date().isoformat()
    return f"session:{occurrence.session_id}:{day}:booking:{booking.id}"


def consent_given(
    ctx: LoopContext,
    *,
    choice_slot: object,
    book: bool,
    conversation_id: str,
    channel: str,
    now: datetime,
    soon: bool = False,
) -> LoopTurn:
    """Yes: the booking (a place held when needed), the messages scheduled, the consent recorded."""
    chosen = Listed.from_slot(choice_slot)
    if chosen is None:
        return LoopTurn(
            [
                _reply(
                    "Which session would you like? Say remind me, and the day or the place.", FIND_HELP, MENU
                )
            ]
        )
    messages = channel in MESSAGE_CHANNELS
    with session_scope(ctx.database_url) as session:
        help_session = _live(session, chosen)
        if help_session is None:
            return LoopTurn([_gone_reply(ctx)], {"loop_choice": None})
        try:
            booking = bookings.book(
                session,
                session_id=chosen.session_id,
                starts_at=chosen.starts_at,
                conversation_id=conversation_id,
                channel=channel,
                hold_place=book or help_session.booking_required,
            )
        except bookings.SessionFull:
            return LoopTurn([_full_reply(ctx)], {"loop_choice": None})
        except bookings.SessionGone:
            return LoopTurn([_gone_reply(ctx)], {"loop_choice": None})
        planned = plan_messages(chosen.starts_at, None, now, ctx.quiet, soon=soon) if messages else []
        ref = reference_of(booking, booking.occurrence)
        try:
            for item in planned:
                schedule_message(
                    session,
                    conversation_id=conversation_id,
                    kind=item.kind,
                    due_at=item.due_at,
                    expires_at=item.expires_at,
                    content=message_content(
                        help_session, item, chosen.starts_at, ctx.quiet, ctx.helpline_phone, booking.reference
                    ),
                    reference=ref,
                    quiet=ctx.quiet,
                )
        except NoConsent:
            session.rollback()
            return LoopTurn([_reply("Sorry, I can't send you messages here. Please try again later.")])
        record_steps(session, LoopStep.ASKED, conversation_id, channel=channel, venue_ids=[chosen.venue_id])
        door = (
            f" Your booking reference is {booking.reference}: say it at the door."
            if booking.holds_place
            else f" If they ask, your reference is {booking.reference}."
        )
    if not messages:
        return LoopTurn([_reply(f"You're booked.{door}", FIND_HELP, MENU)], {"loop_choice": None})
    described = describe_plan(planned, ctx.quiet, chosen.starts_at)
    text = f"Done. I'll send you {described}.{door} To stop them, say cancel."
    consent = f"reminders: {described}"
    return LoopTurn([Reply(text, (CANCEL, MENU))], {"loop_choice": None}, consent=consent)


def declined() -> LoopTurn:
    return LoopTurn(
        [_reply("OK, I won't send you anything. You can ask me again at any time.", FIND_HELP, MENU)],
        {"loop_choice": None},
    )


def cancel_everything(ctx: LoopContext, *, conversation_id: str, now: datetime) -> LoopTurn:
    """ "Cancel", "stop reminders": every pending message and every booking still to come, at once.

    (The gateway also stops the conversation's contact on this intent: bot.gateway.turns.)"""
    with session_scope(ctx.database_url) as session:
        messages = cancel_pending(session, conversation_id)
        cancelled = bookings.cancel_bookings(session, conversation_id, now=now)
    if not messages and not cancelled:
        return LoopTurn(
            [
                _reply(
                    "OK. I won't message you again. You had no reminders or bookings with me, so there "
                    "was nothing to cancel. Say hi if you need me.",
                    FIND_HELP,
                    MENU,
                )
            ]
        )
    parts = []
    if messages:
        parts.append(f"{messages} message{'s' if messages != 1 else ''}")
    if cancelled:
        parts.append(f"{len(cancelled)} booking{'s' if len(cancelled) != 1 else ''}")
    return LoopTurn(
        [_reply(f"OK. I won't message you again: I've cancelled {' and '.join(parts)}.", FIND_HELP, MENU)],
        {"loop_choice": None},
    )


def _booking(session: Session, conversation_id: str, reference: object) -> Booking | None:
    if isinstance(reference, str) and reference.strip():
        row = session.scalar(select(Booking).where(Booking.reference == reference.strip().upper()))
        if row is not None and row.conversation_id == conversation_id:
            return row
    return bookings.latest_booking(session, conversation_id)


FOLLOWUP_BUTTONS = (
    Button("Yes", intent_payload("affirm")),
    Button("No", intent_payload("deny")),
    Button("I couldn't get there", intent_payload("couldnt_go")),
)


def followup_prompt(ctx: LoopContext, *, conversation_id: str, reference: object) -> LoopTurn:
    """ "Did you make it to <session>?" (the dispatcher triggers this through the engine)."""
    with session_scope(ctx.database_url) as session:
        booking = _booking(session, conversation_id, reference)
        if booking is None:
            return LoopTurn([_reply("Hello again! How can I help?", FIND_HELP, MENU)])
        occurrence = booking.occurrence
        title, place = occurrence.session.title, occurrence.session.venue.name
        day = when_text(occurrence.starts_at, ctx.quiet).split(" at ")[0]
        ref = booking.reference
    return LoopTurn(
        [Reply(f"Did you make it to {title} at {place} on {day}?", FOLLOWUP_BUTTONS)], {"loop_booking": ref}
    )


def went(ctx: LoopContext, *, conversation_id: str, reference: object, channel: str) -> LoopTurn:
    """Yes: marked attended and counted; then "how was it?" (the rating form asks)."""
    with session_scope(ctx.database_url) as session:
        booking = _booking(session, conversation_id, reference)
        if booking is not None:
            bookings.set_status(session, booking, BookingStatus.ATTENDED)
            venue_id = booking.occurrence.session.venue_id
            record_steps(session, LoopStep.WENT, conversation_id, channel=channel, venue_ids=[venue_id])
    return LoopTurn([Reply("That's great, well done!")])


RATING_WORDS = {
    5: ("brilliant", "excellent", "amazing", "fantastic", "loved", "great", "perfect", "wonderful"),
    4: ("good", "helpful", "nice", "lovely", "useful", "enjoyed"),
    3: ("ok", "okay", "alright", "fine", "not bad", "so so"),
    2: ("not great", "not very", "confusing", "hard", "meh"),
    1: ("bad", "awful", "terrible", "useless", "rubbish", "waste", "poor"),
}


def rating_of(text: str) -> int | None:
    """1-5 from a number, or from a few plain words ("it was great" -> 5); None if unclear."""
    cleaned = text.strip().lower()
    for character in cleaned:
        if character.isdigit():
            number = int(character)
            return number if 1 <= number <= 5 else None
    for rating in (2, 1, 3, 5, 4):  # "not great" before "great"
        if any(word in cleaned for word in RATING_WORDS[rating]):
            return rating
    return None


def rated(
    ctx: LoopContext, *, conversation_id: str, reference: object, text: str, channel: str, now: datetime
) -> LoopTurn:
    """Thanks for the rating; then the offer to retake the confidence check in four weeks."""
    rating = rating_of(text)
    with session_scope(ctx.database_url) as session:
        booking = _booking(session, conversation_id, reference)
        if booking is not None and rating is not None:
            booking.rating = rating
    thanks = (
        "Thank you for telling me."
        if rating is None or rating >= 3
        else "Thank you. I'm sorry it wasn't better."
    )
    if channel not in MESSAGE_CHANNELS:
        return LoopTurn(
            [_reply(f"{thanks} You can check your confidence again at any time.", FIND_HELP, MENU)]
        )
    invite = plan_retake(now, ctx.quiet)
    return LoopTurn(
        [
            Reply(
                f"{thanks} Would you like me to invite you to check your confidence again in four weeks, "
                "to see how you're getting on? "
                f"I'd send you 1 message, on {when_text(invite.due_at, ctx.quiet)}.",
                (YES, NO),
            )
        ],
        {RETAKE_OFFERED: True},
    )


RETAKE_OFFERED = "retake_offered"


def retake_offer(quiet: QuietHours, *, channel: str, now: datetime) -> LoopTurn:
    """At the end of a confidence check, on a channel the bot can message later: shall I invite
    you to take it again in four weeks? (The web chat cannot be messaged: nothing asked.)"""
    if channel not in MESSAGE_CHANNELS:
        return LoopTurn([], {RETAKE_OFFERED: None})
    invite = plan_retake(now, quiet)
    text = (
        "Shall I invite you to try it again in 4 weeks, to see how you're getting on? "
        f"I'd send you 1 message, on {when_text(invite.due_at, quiet)}."
    )
    return LoopTurn([Reply(text, (YES, NO))], {RETAKE_OFFERED: True})


def retake_consent(
    ctx: LoopContext, *, conversation_id: str, channel: str, now: datetime, offered: bool = True
) -> LoopTurn:
    """Yes to the retake invitation: one message in four weeks (replacing one already due)."""
    if not offered:  # a "yes" to nothing the bot asked (a stopped check says nothing to agree to)
        return LoopTurn([_reply("Great. What would you like to do next?", FIND_HELP, MENU)])
    if channel not in MESSAGE_CHANNELS:
        return LoopTurn([_reply("I can't message this web chat later. Come back in four weeks!", MENU)])
    invite = plan_retake(now, ctx.quiet)
    with session_scope(ctx.database_url) as session:
        cancel_pending(session, conversation_id, kinds=[RETAKE_INVITE])
        try:
            schedule_message(
                session,
                conversation_id=conversation_id,
                kind=invite.kind,
                due_at=invite.due_at,
                expires_at=invite.expires_at,
                content={"template": invite.kind, "params": {}},
                reference="retake",
                quiet=ctx.quiet,
            )
        except NoConsent:
            return LoopTurn([_reply("Sorry, I can't send you messages here. Come back in four weeks!")])
    when = when_text(invite.due_at, ctx.quiet)
    return LoopTurn(
        [_reply(f"Great. I'll message you on {when}. To stop it, say cancel.", CANCEL, MENU)],
        {RETAKE_OFFERED: None},
        consent=f"retake_invite: 1 message on {when}",
    )


def missed(
    ctx: LoopContext, *, conversation_id: str, reference: object, now: datetime, couldnt: bool
) -> LoopTurn:
    """No / couldn't get there: the next date, another place nearby, or a person. Never a dead end."""
    with session_scope(ctx.database_url) as session:
        booking = _booking(session, conversation_id, reference)
        if booking is None:
            return LoopTurn(
                [
                    _reply(
                        "That's OK. I can find help near you, a champion can ring you back, "
                        f"or you can call {ctx.helpline}.",
                        FIND_HELP,
                        RING_ME_BACK,
                        MENU,
                    )
                ]
            )
        if booking.status != BookingStatus.ATTENDED.value:
            bookings.set_status(session, booking, BookingStatus.DID_NOT_COME)
        help_session = booking.occurrence.session
        options: list[Listed] = []
        upcoming = next_date(help_session, max(as_utc(now), as_utc(booking.occurrence.starts_at)))
        if upcoming is not None and help_session.active and help_session.venue.active:
            options.append(
                Listed(
                    1,
                    help_session.id,
                    help_session.venue_id,
                    help_session.venue.name,
                    help_session.title,
                    upcoming,
                    help_session.booking_required,
                )
            )
        other = nearby_alternative(session, help_session, now)
        if other is not None:
            options.append(
                Listed(
                    len(options) + 1,
                    other.session_id,
                    other.venue_id,
                    other.venue,
                    other.title,
                    other.starts_at,
                    other.booking_required,
                )
            )
    opening = "Sorry you couldn't get there." if couldnt else "That's OK."
    lines = [opening]
    if options and options[0].session_id == help_session.id:
        lines.append(f"The next one is {say_when(options[0], ctx.quiet)}.")
    if options and options[-1].session_id != help_session.id:
        lines.append(f"Or there's {say_when(options[-1], ctx.quiet)}.")
    lines.append(f"Or a champion can ring you back, or call {ctx.helpline}.")
    buttons = tuple(
        Button(f"Remind me: {item.venue}"[:40], intent_payload("remind_me", listed_number=str(item.number)))
        for item in options
    )
    slots = {"listed_sessions": [item.as_slot() for item in options], "loop_booking": None}
    return LoopTurn([Reply(" ".join(lines), (*buttons, RING_ME_BACK, MENU))], slots)
