"""Every table of the app, as SQLAlchemy 2 typed models, in one module.

Listings (organisations, venues, sessions, Digital Champions) all carry `active` and
`last_verified`, because staff need to hide a closed venue without losing it and to see which
entries are stale. `is_sample` marks the illustrative rows seeded on a fresh database, so they
can be found and checked (or removed) before the bot goes live.

The postcode tables hold Ordnance Survey Code-Point Open (and postcodes.io answers cached for
new postcodes); they are reference data, reloaded by `python -m bot load-postcodes`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    func,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints, so that migrations can drop or alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Network(enum.Enum):
    """The 100% Digital Leeds networks a session can belong to (or none: general help)."""

    GENERAL = "general"
    AUTISM_LEARNING_DISABILITIES = "autism_learning_disabilities"
    OLDER_PEOPLE = "older_people"
    SENSORY_IMPAIRMENTS = "sensory_impairments"
    ARTS_CULTURE = "arts_culture"

    @property
    def label(self) -> str:
        return _NETWORK_LABELS[self]


_NETWORK_LABELS = {
    Network.GENERAL: "General",
    Network.AUTISM_LEARNING_DISABILITIES: "Autism and Learning Disabilities",
    Network.OLDER_PEOPLE: "Older People",
    Network.SENSORY_IMPAIRMENTS: "Sensory Impairments",
    Network.ARTS_CULTURE: "Arts and Culture",
}


class Recurrence(enum.Enum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    ONCE = "once"


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint: portable, and adding a value needs no type migration."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=40,
        values_callable=lambda members: [m.value for m in members],
    )


class ListingMixin:
    """Fields every listing shares: whether it is shown, when staff last checked it, sample or real."""

    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_verified: Mapped[date | None] = mapped_column(Date)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Organisation(ListingMixin, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    website: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))

    venues: Mapped[list[Venue]] = relationship(back_populates="organisation")
    champions: Mapped[list[DigitalChampion]] = relationship(back_populates="organisation")

    def __str__(self) -> str:  # how the admin names it in lists and menus
        return self.name


# Venue facilities a resident can ask for, in the order they are worth mentioning.
ACCESSIBILITY_FEATURES = (
    "step_free",
    "accessible_toilet",
    "hearing_loop",
    "bsl",
    "large_print",
    "quiet_space",
)
DIGITAL_FEATURES = ("free_wifi", "public_computers", "device_lending", "sim_data_hub")
FEATURES = ACCESSIBILITY_FEATURES + DIGITAL_FEATURES


class Venue(ListingMixin, Base):
    __tablename__ = "venues"
    __table_args__ = (
        UniqueConstraint("name", "postcode", name="uq_venues_name_postcode"),
        # The bounding-box index of the nearest-venue search (see bot.venues.spatial).
        Index("ix_venues_lat_lon", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    postcode: Mapped[str | None] = mapped_column(String(8))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    opening_notes: Mapped[str | None] = mapped_column(Text)

    step_free: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    accessible_toilet: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hearing_loop: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    bsl: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    large_print: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    quiet_space: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    free_wifi: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    public_computers: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    device_lending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sim_data_hub: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # Languages spoken, "English|Urdu". A language filter only ever runs on the few venues the
    # spatial index found near the resident, so a column does as well as a table, and imports
    # of 100,000 venues stay fast.
    languages: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # The code on the venue's flyer (Telegram deep link, SMS keyword), like a champion's.
    referral_code: Mapped[str | None] = mapped_column(String(40), unique=True)

    organisation: Mapped[Organisation | None] = relationship(back_populates="venues")
    sessions: Mapped[list[HelpSession]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def language_list(self) -> list[str]:
        return [language for language in self.languages.split(LANGUAGE_SEPARATOR) if language]

    def __str__(self) -> str:
        return f"{self.name} ({self.postcode})" if self.postcode else self.name


LANGUAGE_SEPARATOR = "|"


class HelpSession(ListingMixin, Base):
    """A session of help at a venue: repeating (weekly, fortnightly, monthly) or on one date.

    Times are wall-clock times in Europe/London. `weekday` is 0 for Monday. A fortnightly
    session repeats every 14 days from `start_date`; a monthly one falls on the
    `week_of_month`-th weekday (1 to 4, or -1 for the last); a one-off is on `start_date`.
    `start_date` and `end_date` also bound repeating sessions (a term, a pilot).
    """

    __tablename__ = "help_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    network: Mapped[Network] = mapped_column(
        _enum(Network, "network"), default=Network.GENERAL, server_default=Network.GENERAL.value, index=True
    )
    recurrence: Mapped[Recurrence] = mapped_column(_enum(Recurrence, "recurrence"))
    weekday: Mapped[int | None] = mapped_column(SmallInteger)
    week_of_month: Mapped[int | None] = mapped_column(SmallInteger)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    booking_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Places at each occurrence when booking is required (None: no limit). See bot.loop.booking.
    capacity: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[str | None] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(300))

    venue: Mapped[Venue] = relationship(back_populates="sessions")

    def __str__(self) -> str:
        return self.title


class DigitalChampion(ListingMixin, Base):
    """A person trained to help others online; `name` is a role or a first name, never a full name."""

    __tablename__ = "digital_champions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact: Mapped[str | None] = mapped_column(String(300))
    referral_code: Mapped[str | None] = mapped_column(String(40), unique=True)

    organisation: Mapped[Organisation | None] = relationship(back_populates="champions")

    def __str__(self) -> str:
        return f"{self.name} ({self.referral_code})" if self.referral_code else self.name


class PostcodePoint(Base):
    """One postcode and where it is. Rows without coordinates (Code-Point quality 90) still exist."""

    __tablename__ = "postcodes"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    outcode: Mapped[str] = mapped_column(String(4), index=True)
    area: Mapped[str] = mapped_column(String(2), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    quality: Mapped[int | None] = mapped_column(SmallInteger)
    source: Mapped[str] = mapped_column(String(20), default="codepoint")
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutcodeCentroid(Base):
    """The mean position of an outcode's postcodes, for "LS9" and as a fallback for a postcode."""

    __tablename__ = "outcodes"

    outcode: Mapped[str] = mapped_column(String(4), primary_key=True)
    area: Mapped[str] = mapped_column(String(2), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    postcodes: Mapped[int] = mapped_column(Integer)


class PostcodeArea(Base):
    """Which postcode areas are loaded: tells "no such postcode" apart from "an area we don't hold"."""

    __tablename__ = "postcode_areas"

    area: Mapped[str] = mapped_column(String(2), primary_key=True)
    postcodes: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConfidenceResult(Base):
    """One finished confidence check, without identity (see bot.confidence.store).

    `person` is a one-way hash of the conversation's pseudonymous id, so a retake can be
    compared with the last result; no name, number or answer text is kept. `area_scores` maps
    each skill area of content/confidence.yml to a whole percentage.
    """

    __tablename__ = "confidence_results"
    __table_args__ = (Index("ix_confidence_results_person_taken_on", "person", "taken_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person: Mapped[str] = mapped_column(String(64))
    taken_on: Mapped[date] = mapped_column(Date)
    area_scores: Mapped[dict[str, int]] = mapped_column(JSON)
    total_score: Mapped[int] = mapped_column(SmallInteger)
    level: Mapped[str] = mapped_column(String(40), index=True)
    referral_code: Mapped[str | None] = mapped_column(String(40), index=True)


class StaffRole(enum.Enum):
    """Admins also manage staff accounts; editors keep the listings."""

    ADMIN = "admin"
    EDITOR = "editor"


class StaffUser(Base):
    """A member of council staff who may use /admin and /reports (`python -m bot add-staff`)."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[StaffRole] = mapped_column(_enum(StaffRole, "staff_role"), default=StaffRole.EDITOR)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Every session cookie carries the number it was made under: raising it ends them all at
    # once (logout, a new password, a deactivated account). Migration 0004.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The organisation a champion or editor works for: they see only the call-back requests
    # assigned to it (admins see all). Migration 0008.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    organisation: Mapped[Organisation | None] = relationship()


class AuditEntry(Base):
    """Who changed which listing, when, and what changed (kept as long as the listings)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    staff_email: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(300), default="", server_default="")
    changes: Mapped[dict[str, object] | None] = mapped_column(JSON)


class Contact(Base):
    """One person the bot has talked to, without identity: `person` is `bot.pseudonym.person_key`.

    It tells first contact (when the privacy notice is due) from a return, keeps who referred
    them, and whether an SMS number said STOP (then it gets no reply until START).
    """

    __tablename__ = "contacts"

    person: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    referral_code: Mapped[str | None] = mapped_column(String(40), index=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UsageKind(enum.Enum):
    CONVERSATION = "conversation"  # someone talked to the bot this week (detail empty)
    QUESTION = "question"  # a knowledge-base topic answered (detail: the topic)
    NOT_UNDERSTOOD = "not_understood"  # detail: the message, with numbers and addresses removed
    SEARCH = "search"  # a nearest-help search (detail: the outcode or place)
    REFERRAL = "referral"  # arrived through a champion's or venue's code (detail: the code)


class UsageEvent(Base):
    """What the programme's reports count: at most one row per person, week, kind and detail.

    So a figure means "people", not "messages": one resident asking ten times counts once. The
    purge keeps the rows but clears `person` once they are older than the retention period.
    """

    __tablename__ = "usage_events"
    __table_args__ = (
        UniqueConstraint("kind", "week", "channel", "detail", "person", name="uq_usage_events_once"),
        Index("ix_usage_events_kind_week", "kind", "week"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[date] = mapped_column(Date)  # the Monday of the week
    occurred_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[UsageKind] = mapped_column(_enum(UsageKind, "usage_kind"))
    detail: Mapped[str] = mapped_column(String(200), default="", server_default="")
    person: Mapped[str | None] = mapped_column(String(64), index=True)


# --- Knowledge-base reviews (kb) -----------------------------------------------------------------


class TopicReview(Base):
    """A reviewer checked a knowledge-base topic (content/kb/<topic>.yml) against its sources.

    The answers live in files staff edit; the review mark lives here, so a running deployment
    records a review without writing a file. A topic's effective "last reviewed" is the later of
    this and the file's `last_reviewed` (bot.kb.review). One row per review: the history stays.
    """

    __tablename__ = "topic_reviews"
    __table_args__ = (Index("ix_topic_reviews_topic_reviewed_at", "topic", "reviewed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewer: Mapped[str] = mapped_column(String(254))


# --- Outbound messages (issue 13: reminders, follow-ups and late answers; see bot/outbound) ---


class MessageStatus(enum.StrEnum):
    """Where an outbound message is. `sending` is held only while one dispatcher sends it."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DROPPED = "dropped"  # due while everything was down, and no longer useful when found


class OutboundContact(Base):
    """How to reach one conversation later, kept only with the resident's consent.

    `address_encrypted` is a Fernet token of the Telegram chat id or the phone number
    (bot.outbound.cipher); the plain address is never stored. Deleted when nothing more is due,
    on cancel, STOP, a blocked bot or an invalid number, "forget me" and the retention purge.
    """

    __tablename__ = "outbound_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    address_encrypted: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    consent: Mapped[str] = mapped_column(String(300))
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboundMessage(Base):
    """One message the bot will start: due time, kind, channel, status, attempts (see bot.outbound).

    Rows outlive their contact (contact_id becomes NULL) so staff can still count what was sent;
    they never hold an address. `content` is a template ({"template", "params"}), an engine
    intent ({"intent", "entities"}) or an encrypted late answer ({"late": token}).
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_contacts.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default=MessageStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    content: Mapped[dict[str, object]] = mapped_column(JSON)
    reference: Mapped[str | None] = mapped_column(String(100), index=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(String(200))
    # The options a sent message offered (buttons: title and payload, never an address), until the
    # resident's next message: a typed "1" means its first option, whichever process sent it
    # (the CLI's send-due, a replica without shared state, or before a restart).
    offered: Mapped[list[dict[str, str]] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- Bookings and attendance (issue 13: closing the loop; see bot/loop) ---


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"  # plans to go (a place held when the session needs booking)
    CANCELLED = "cancelled"
    ATTENDED = "attended"  # said so in the follow-up, or a champion marked it
    DID_NOT_COME = "did_not_come"


class SessionOccurrence(Base):
    """One dated occurrence of a HelpSession: what a booking is for, and the row locked to book it.

    `booked` counts the places taken; a booking takes one with a conditional UPDATE
    (bot.loop.booking), so the last places are never over-booked by residents booking at once.
    `cancelled_at` is set when staff cancel this date (residents with a booking are told).
    """

    __tablename__ = "session_occurrences"
    __table_args__ = (UniqueConstraint("session_id", "starts_at", name="uq_session_occurrences_when"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("help_sessions.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    booked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    session: Mapped[HelpSession] = relationship()
    bookings: Mapped[list[Booking]] = relationship(back_populates="occurrence", passive_deletes=True)

    def __str__(self) -> str:
        return f"{self.session_id} at {self.starts_at:%Y-%m-%d %H:%M}"


class Booking(Base):
    """A resident's plan to go to one occurrence: a reminder asked for, or a place booked.

    No name or number: `conversation_id` is the gateway's pseudonym, and `reference` is what
    the resident says at the door ("K7M4PX", unambiguous characters). `holds_place` is True when
    the session needs booking (the place counts against its capacity). `rating` is the 1-5 the
    resident gave in the follow-up.
    """

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("session_occurrences.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="web", server_default="web")
    status: Mapped[str] = mapped_column(String(20), default=BookingStatus.BOOKED.value, index=True)
    holds_place: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    occurrence: Mapped[SessionOccurrence] = relationship(back_populates="bookings")

    def __str__(self) -> str:
        return self.reference


class LoopStep(enum.StrEnum):
    """The funnel's steps after a search (the search itself is a UsageKind.SEARCH event)."""

    SHOWN = "shown"  # a venue was shown in the nearest help
    ASKED = "asked"  # asked for a reminder of, or booked, a session there
    REMINDED = "reminded"  # a reminder was sent
    WENT = "went"  # said so in the follow-up, or a champion marked them attended
    RETOOK = "retook"  # took the confidence check again
    LEVEL_UP = "level_up"  # and their level went up


class LoopEvent(Base):
    """One funnel step, at most once per person, week, step and venue (like usage_events).

    `person` is `bot.pseudonym.person_key` (the usage events' key, so the funnel can start at
    the searches and be split by the referral code of `contacts`); `venue_id` is 0 for steps
    that are not about one venue (retook, level up). The purge clears `person` with the rest.
    """

    __tablename__ = "loop_events"
    __table_args__ = (
        UniqueConstraint("step", "week", "person", "venue_id", name="uq_loop_events_once"),
        Index("ix_loop_events_step_week", "step", "week"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    step: Mapped[str] = mapped_column(String(20))
    week: Mapped[date] = mapped_column(Date)
    occurred_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20), default="", server_default="")
    person: Mapped[str | None] = mapped_column(String(64), index=True)
    venue_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)


class TaughtKind(enum.StrEnum):
    """What staff made of a message the bot missed (bot.teach)."""

    TOPIC = "topic"  # a knowledge-base topic (target: its name, e.g. "video_calls")
    INTENT = "intent"  # one of the engine's intents (target: e.g. "find_help")
    NOISE = "noise"  # not something to teach (target empty): only leaves the list


class TaughtMessage(Base):
    """A "not understood" message a member of staff assigned: a training example from the next
    `python -m bot train` (through content/taught.yml), or noise. Migration 0009.

    `text` is the report's scrubbed text (bot.privacy.redact.scrub_for_report, applied again on
    the way in), never the resident's own words with a number or a postcode in them; it is
    unique, so a message is taught once. Deleting the row is the undo.
    """

    __tablename__ = "taught_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[TaughtKind] = mapped_column(_enum(TaughtKind, "taught_kind"))
    target: Mapped[str] = mapped_column(String(80), default="", server_default="")
    assigned_by: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    def __str__(self) -> str:
        return self.text


# --- Call-back requests (issue 15: a person when a person is needed; see bot/callbacks) ---


class CallbackStatus(enum.StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    CALLED = "called"  # a champion spoke to them; done once the outcome is recorded
    NOT_REACHED = "not_reached"  # rang, no answer: tried again (attempts counts the tries)
    DONE = "done"
    CANCELLED = "cancelled"  # by the resident


class CallbackOutcome(enum.StrEnum):
    HELPED = "helped"
    REFERRED = "referred"  # referred to a session
    NO_ANSWER = "no_answer"
    NOT_NEEDED = "not_needed"


class CallbackRequest(Base):
    """A resident's request to be rung by a Digital Champion.

    `phone_encrypted` and `name_encrypted` are Fernet tokens (bot.outbound.cipher), set only
    with the resident's consent and emptied when the request is closed or cancelled, on "forget
    me" and at the retention purge; the rest (status, times, outcome, organisation) stays for
    the reports. `outcode` is the area only ("LS9"), never an address. `priority` is set when
    the request came from the safe route (a scam in progress, distress).
    """

    __tablename__ = "callback_requests"
    __table_args__ = (Index("ix_callback_requests_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=CallbackStatus.NEW.value, index=True)
    priority: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reason: Mapped[str] = mapped_column(String(20), default="", server_default="")
    topic: Mapped[str] = mapped_column(String(120), default="", server_default="")
    preferred_time: Mapped[str] = mapped_column(String(20), default="any", server_default="any")
    outcode: Mapped[str] = mapped_column(String(8), default="", server_default="")
    phone_encrypted: Mapped[str | None] = mapped_column(Text)
    phone_kind: Mapped[str] = mapped_column(String(20), default="", server_default="")
    name_encrypted: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    assigned_to: Mapped[str] = mapped_column(String(200), default="", server_default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    outcome: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_called_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    overdue_told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation | None] = relationship()

    def __str__(self) -> str:
        return f"Call back {self.id}"
