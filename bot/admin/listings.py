"""The four kinds of listing staff keep current: venues, sessions, Digital Champions, organisations.

Each view says what the list shows, what can be searched and filtered, and what the form asks,
in plain English; `clean` does what needs the database (placing a postcode on the map, unique
names and referral codes). Closing a venue is "Shown to residents: no", which keeps its history;
only admins may delete.
"""

from __future__ import annotations

from typing import Any, ClassVar

import anyio
from sqladmin.filters import BooleanFilter, ForeignKeyFilter, StaticValuesFilter
from sqlalchemy.orm import Session
from starlette.requests import Request
from wtforms import FloatField, SelectField, StringField

from bot.admin import checks
from bot.admin.base import Problem, StaffView
from bot.admin.bookings import TellsResidentsWhenClosed
from bot.admin.forms import (
    DAY_CHOICES,
    WEEK_CHOICES,
    StaffForm,
    email_format,
    enum_choices,
    list_text,
    optional_int,
    postcode_format,
    web_address,
)
from bot.db.models import (
    ACCESSIBILITY_FEATURES,
    DIGITAL_FEATURES,
    LANGUAGE_SEPARATOR,
    DigitalChampion,
    HelpSession,
    Network,
    Organisation,
    Recurrence,
    Venue,
)
from bot.db.session import get_engine
from bot.venues import fields, rules
from bot.venues.timing import Timing, check_timing

FEATURE_LABELS = {
    "step_free": "Step-free access",
    "accessible_toilet": "Accessible toilet",
    "hearing_loop": "Hearing loop",
    "bsl": "British Sign Language",
    "large_print": "Large print",
    "quiet_space": "Quiet space",
    "free_wifi": "Free wifi",
    "public_computers": "Computers to use",
    "device_lending": "Lends devices",
    "sim_data_hub": "Free SIMs and data",
}
LISTING_LABELS = {
    "name": "Name",
    "title": "Title",
    "description": "Description",
    "address": "Address",
    "postcode": "Postcode",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "phone": "Phone",
    "email": "Email",
    "website": "Website",
    "network": "Network",
    "cost": "Cost",
    "id": "Number",
    "created_at": "Added",
    "updated_at": "Last changed",
    "active": "Shown to residents",
    "last_verified": "Last checked",
    "is_sample": "Sample entry",
    "organisation": "Organisation",
    "referral_code": "Referral code",
}
LISTING_HELP = {
    "active": {"description": "Untick to hide it from residents without losing it (closed, paused)."},
    "last_verified": {"description": "The day someone confirmed these details are right."},
    "is_sample": {"description": "Made-up example data, to be replaced before the bot goes live."},
    "referral_code": {"description": "The code on the flyers, like LIB-CENTRAL: capitals, digits and -."},
}
RECURRENCE_LABELS = {
    Recurrence.WEEKLY: "Every week",
    Recurrence.FORTNIGHTLY: "Every two weeks",
    Recurrence.MONTHLY: "Once a month",
    Recurrence.ONCE: "Once only",
}


def _run(database_url: str, work: Any, *args: Any) -> Any:
    """Run `work(session, *args)` on a session of its own (read-only checks)."""
    with Session(get_engine(database_url)) as session:
        return work(session, *args)


class ListingView(StaffView):
    """What the four listings share: active, last checked, sample."""

    column_labels: ClassVar[dict[Any, str]] = LISTING_LABELS
    form_args: ClassVar[dict[str, dict[str, Any]]] = LISTING_HELP

    async def check(self, work: Any, *args: Any) -> Any:
        return await anyio.to_thread.run_sync(_run, self.database_url, work, *args)

    async def code_problem(
        self, data: dict[str, Any], *, venue_id: int | None, champion_id: int | None
    ) -> None:
        code = (data.get("referral_code") or "").strip().upper() or None
        data["referral_code"] = code
        if code:
            problem = await self.check(
                lambda s: checks.referral_code_problem(s, code, venue_id=venue_id, champion_id=champion_id)
            )
            if problem:
                raise Problem(problem)


# ---- organisations ----


class OrganisationForm(StaffForm):
    validate_email = staticmethod(email_format)
    validate_website = staticmethod(web_address)


class OrganisationView(ListingView, model=Organisation):
    name = "Organisation"
    name_plural = "Organisations"
    icon = "fa-solid fa-people-group"
    form_base_class = OrganisationForm
    column_list = [Organisation.name, Organisation.phone, Organisation.active, Organisation.last_verified]
    column_searchable_list = [Organisation.name, Organisation.email]
    column_sortable_list = [Organisation.name, Organisation.last_verified]
    column_default_sort = [(Organisation.name, False)]
    column_filters = [BooleanFilter(Organisation.active, title="Shown to residents")]
    form_columns = [
        Organisation.name,
        Organisation.website,
        Organisation.phone,
        Organisation.email,
        Organisation.active,
        Organisation.last_verified,
        Organisation.is_sample,
    ]

    async def clean(self, data: dict[str, Any], model: Any, is_created: bool, request: Request) -> None:
        data["name"] = " ".join((data.get("name") or "").split())
        own = None if is_created else model.id
        problem = await self.check(checks.organisation_clash, data["name"], own)
        if problem:
            raise Problem(problem)


# ---- venues ----


class VenueForm(StaffForm):
    validate_postcode = staticmethod(postcode_format)
    validate_email = staticmethod(email_format)
    validate_website = staticmethod(web_address)

    def validate(self, extra_validators: Any = None) -> bool:
        """The importers' rules (bot.venues.rules), shown under the field they are about."""
        ok: bool = super().validate(extra_validators)
        latitude, longitude = self.latitude.data, self.longitude.data
        placed = rules.position_problem(self.postcode.data or None, latitude, longitude)
        if placed is not None and not (placed[0] == "postcode" and self.postcode.errors):
            ok = self.add_error(placed[0], rules.sentence(placed[1]))
        for name, value in (("latitude", latitude), ("longitude", longitude)):
            problem = rules.coordinate_problem(name, value)
            if problem:
                ok = self.add_error(name, rules.sentence(problem))
        return ok


class VenueView(TellsResidentsWhenClosed, ListingView, model=Venue):
    closing_kind = "venue"

    name = "Venue"
    name_plural = "Venues"
    icon = "fa-solid fa-building"
    form_base_class = VenueForm
    details_template = "admin/venue_details.html"
    list_template = "admin/venue_list.html"
    column_list = [
        Venue.name,
        Venue.postcode,
        "organisation",
        Venue.active,
        Venue.last_verified,
        Venue.is_sample,
    ]
    column_labels = {
        **LISTING_LABELS,
        **FEATURE_LABELS,
        "opening_notes": "Opening notes",
        "languages": "Languages",
    }
    column_searchable_list = [Venue.name, Venue.address, Venue.postcode, Venue.referral_code]
    column_sortable_list = [Venue.name, Venue.postcode, Venue.last_verified]
    column_default_sort = [(Venue.name, False)]
    column_filters = [
        BooleanFilter(Venue.active, title="Shown to residents"),
        BooleanFilter(Venue.is_sample, title="Sample entry"),
        ForeignKeyFilter(Venue.organisation_id, Organisation.name, title="Organisation"),
        BooleanFilter(Venue.step_free, title="Step-free access"),
    ]
    form_columns = [
        Venue.name,
        "organisation",
        Venue.address,
        Venue.postcode,
        Venue.latitude,
        Venue.longitude,
        Venue.phone,
        Venue.email,
        Venue.website,
        Venue.opening_notes,
        *ACCESSIBILITY_FEATURES,
        *DIGITAL_FEATURES,
        Venue.languages,
        Venue.referral_code,
        Venue.active,
        Venue.last_verified,
        Venue.is_sample,
    ]
    form_overrides = {"latitude": FloatField, "longitude": FloatField}
    form_args = {
        **LISTING_HELP,
        "address": {"description": "Building, street and town, without the postcode."},
        "postcode": {"description": "Residents are told how far away the venue is from this postcode."},
        "latitude": {"description": "Leave empty: it is filled in from the postcode when you save."},
        "longitude": {"description": "Leave empty: it is filled in from the postcode when you save."},
        "languages": {"description": "Languages spoken by staff, separated by |, like English | Urdu."},
        "opening_notes": {"description": "Short: residents may read it in a text message."},
    }
    optional_fields = ("latitude", "longitude")
    audit_relations = {"organisation": "organisation_id"}

    async def clean(self, data: dict[str, Any], model: Any, is_created: bool, request: Request) -> None:
        data["name"] = " ".join((data.get("name") or "").split())
        data["languages"] = LANGUAGE_SEPARATOR.join(fields.string_list(data.get("languages")))
        postcode = data.get("postcode")
        latitude, longitude = data.get("latitude"), data.get("longitude")
        typed = latitude is not None and longitude is not None
        moved = is_created or (latitude, longitude) != (model.latitude, model.longitude)
        postcode_changed = is_created or postcode != model.postcode
        if postcode and (not typed or (postcode_changed and not moved)):
            placed = await self.check(checks.place_postcode, postcode, self.geocoder)
            if isinstance(placed, str):
                raise Problem(placed)
            data["latitude"], data["longitude"] = placed
        elif not typed:
            raise Problem(rules.sentence(rules.NO_PLACE))
        own = None if is_created else model.id
        clash = await self.check(checks.venue_clash, data["name"], postcode, own)
        if clash:
            raise Problem(clash)
        await self.code_problem(data, venue_id=own, champion_id=None)


# ---- sessions ----


# The CSV's column names in the shared timing checks, as the form's labels say them.
_TIMING_WORDS = {
    "end_time": "the end time",
    "start_time": "the start time",
    "end_date": "the last date",
    "week_of_month (1, 2, 3, 4 or last)": "which week of the month",
}


class SessionForm(StaffForm):
    def validate(self, extra_validators: Any = None) -> bool:
        ok: bool = super().validate(extra_validators)
        if self.start_time.data is None or self.recurrence.data not in {r.value for r in Recurrence}:
            return ok
        timing = check_timing(
            Timing(
                recurrence=Recurrence(self.recurrence.data),
                weekday=self.weekday.data,
                week_of_month=self.week_of_month.data,
                start_date=self.start_date.data,
                end_date=self.end_date.data,
                start_time=self.start_time.data,
                end_time=self.end_time.data,
            )
        )
        for name, message in timing.problems:
            for column, words in _TIMING_WORDS.items():
                message = message.replace(column, words)
            ok = self.add_error(name, message[0].upper() + message[1:] + ".")
        return ok


class HelpSessionView(TellsResidentsWhenClosed, ListingView, model=HelpSession):
    name = "Session"
    name_plural = "Sessions"
    icon = "fa-solid fa-calendar-days"
    form_base_class = SessionForm
    column_list = [
        HelpSession.title,
        "venue",
        HelpSession.recurrence,
        HelpSession.weekday,
        HelpSession.start_time,
        HelpSession.active,
        HelpSession.last_verified,
    ]
    column_labels = {
        **LISTING_LABELS,
        "venue": "Venue",
        "recurrence": "How often",
        "weekday": "Day",
        "week_of_month": "Week of the month",
        "start_date": "Date",
        "end_date": "Last date",
        "start_time": "Starts at",
        "end_time": "Ends at",
        "booking_required": "Booking needed",
        "capacity": "Places (when booking is needed; empty: no limit)",
        "contact": "How to book or ask",
    }
    column_formatters = {
        "weekday": lambda m, a: fields.DAYS[m.weekday].title() if m.weekday is not None else "",
        "recurrence": lambda m, a: RECURRENCE_LABELS[m.recurrence],
    }
    column_formatters_detail = column_formatters
    column_searchable_list = [HelpSession.title, HelpSession.description]
    column_sortable_list = [
        HelpSession.title,
        HelpSession.weekday,
        HelpSession.start_time,
        HelpSession.last_verified,
    ]
    column_default_sort = [(HelpSession.title, False)]
    column_filters = [
        BooleanFilter(HelpSession.active, title="Shown to residents"),
        StaticValuesFilter(HelpSession.network, [(n.value, n.label) for n in Network], title="Network"),
        StaticValuesFilter(
            HelpSession.recurrence,
            [(r.value, label) for r, label in RECURRENCE_LABELS.items()],
            title="How often",
        ),
        BooleanFilter(HelpSession.is_sample, title="Sample entry"),
    ]
    form_columns = [
        "venue",
        HelpSession.title,
        HelpSession.description,
        HelpSession.network,
        HelpSession.recurrence,
        HelpSession.weekday,
        HelpSession.week_of_month,
        HelpSession.start_date,
        HelpSession.end_date,
        HelpSession.start_time,
        HelpSession.end_time,
        HelpSession.booking_required,
        HelpSession.capacity,
        HelpSession.cost,
        HelpSession.contact,
        HelpSession.active,
        HelpSession.last_verified,
        HelpSession.is_sample,
    ]
    form_ajax_refs = {"venue": {"fields": ("name", "postcode"), "order_by": "name"}}
    form_overrides = {
        "network": SelectField,
        "recurrence": SelectField,
        "weekday": SelectField,
        "week_of_month": SelectField,
    }
    form_args = {
        **LISTING_HELP,
        "network": enum_choices(Network, lambda n: n.label),
        "recurrence": enum_choices(Recurrence, lambda r: RECURRENCE_LABELS[r]),
        "weekday": {"choices": DAY_CHOICES, "coerce": optional_int},
        "week_of_month": {
            "choices": WEEK_CHOICES,
            "coerce": optional_int,
            "description": "For a monthly session: the first, second... or last of that day in the month.",
        },
        "start_date": {
            "description": "Once only: the date. Every two weeks: the first date. Otherwise: when it starts."
        },
        "end_date": {"description": "Optional: the last date (the end of a term or a pilot)."},
        "description": {"description": "One or two short sentences: residents may read it by text message."},
    }
    audit_relations = {"venue": "venue_id"}

    async def clean(self, data: dict[str, Any], model: Any, is_created: bool, request: Request) -> None:
        data["network"] = Network(data["network"])
        data["recurrence"] = Recurrence(data["recurrence"])
        if data["recurrence"] in (Recurrence.FORTNIGHTLY, Recurrence.ONCE) and data.get("start_date"):
            data["weekday"] = data["start_date"].weekday()
        if not data.get("venue"):
            raise Problem("Choose the venue where the session happens.")


# ---- champions ----


class ChampionForm(StaffForm):
    def validate(self, extra_validators: Any = None) -> bool:
        ok: bool = super().validate(extra_validators)
        if not (self.contact.data or "").strip():
            ok = self.add_error("contact", "Say how a resident can reach them.")
        return ok


class ChampionView(ListingView, model=DigitalChampion):
    name = "Digital Champion"
    name_plural = "Digital Champions"
    icon = "fa-solid fa-hands-helping"
    form_base_class = ChampionForm
    details_template = "admin/champion_details.html"
    column_list = [
        DigitalChampion.name,
        "organisation",
        DigitalChampion.referral_code,
        DigitalChampion.active,
        DigitalChampion.last_verified,
    ]
    column_labels = {
        **LISTING_LABELS,
        "name": "Name",
        "areas": "Areas covered",
        "languages": "Languages",
        "contact": "How residents reach them",
    }
    column_searchable_list = [DigitalChampion.name, DigitalChampion.referral_code, DigitalChampion.contact]
    column_sortable_list = [
        DigitalChampion.name,
        DigitalChampion.referral_code,
        DigitalChampion.last_verified,
    ]
    column_default_sort = [(DigitalChampion.name, False)]
    column_filters = [
        BooleanFilter(DigitalChampion.active, title="Shown to residents"),
        ForeignKeyFilter(DigitalChampion.organisation_id, Organisation.name, title="Organisation"),
        BooleanFilter(DigitalChampion.is_sample, title="Sample entry"),
    ]
    form_columns = [
        DigitalChampion.name,
        "organisation",
        DigitalChampion.areas,
        DigitalChampion.languages,
        DigitalChampion.contact,
        DigitalChampion.referral_code,
        DigitalChampion.active,
        DigitalChampion.last_verified,
        DigitalChampion.is_sample,
    ]
    form_overrides = {"areas": StringField, "languages": StringField}
    form_args = {
        **LISTING_HELP,
        "name": {"description": "A role or a first name, never a full name (it is shown to residents)."},
        "areas": {"description": "Places they cover, separated by |, like Harehills | Gipton."},
        "languages": {"description": "Separated by |, like English | Urdu."},
        "contact": {"description": "How a resident reaches them, like 'Ask at the library desk'."},
    }
    audit_relations = {"organisation": "organisation_id"}

    async def get_form_data_for_edit(self, obj: Any) -> dict[str, Any]:
        data = await super().get_form_data_for_edit(obj)
        data["areas"] = list_text(data.get("areas"))
        data["languages"] = list_text(data.get("languages"))
        return data

    async def clean(self, data: dict[str, Any], model: Any, is_created: bool, request: Request) -> None:
        data["areas"] = fields.string_list(data.get("areas"))
        data["languages"] = fields.string_list(data.get("languages"))
        data["contact"] = (data.get("contact") or "").strip() or None
        await self.code_problem(data, venue_id=None, champion_id=None if is_created else model.id)


LISTING_VIEWS: tuple[type[ListingView], ...] = (VenueView, HelpSessionView, ChampionView, OrganisationView)
