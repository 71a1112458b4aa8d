"""Venues to and from CSV: the format staff keep the venue list in.

Columns: `name,address,postcode,latitude,longitude` and, optionally, the rest of
`VENUE_COLUMNS`. A row needs a valid postcode or coordinates: both given, the coordinates
stand; a postcode alone is placed from Code-Point Open (offline). Rows are matched to existing
venues by name and postcode and updated; `replace=True` also removes venues not in the file
(with their sessions). The whole file is checked before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from bot.db.models import FEATURES, Organisation, PostcodePoint, Venue, VenueLanguage
from bot.geo import postcodes
from bot.venues import fields
from bot.venues.csvio import ImportFailed, ImportReport, RowChecker, RowError, Source, read_rows, write_rows
from bot.venues.organisations import organisation_ids

REQUIRED_COLUMNS = ("name", "address", "postcode", "latitude", "longitude")
VENUE_COLUMNS = (
    *REQUIRED_COLUMNS,
    "organisation",
    "phone",
    "email",
    "website",
    "opening_notes",
    *FEATURES,
    "languages",
    "active",
    "last_verified",
    "sample",
)
_IN_CHUNK = 500


@dataclass
class VenueRow:
    row: int
    values: dict[str, object]
    organisation: str | None
    languages: list[str]

    @property
    def key(self) -> tuple[str, str]:
        return venue_key(str(self.values["name"]), self.values["postcode"])  # type: ignore[arg-type]


def venue_key(name: str, postcode: str | None) -> tuple[str, str]:
    """How rows are matched to venues: the name in any case, and the postcode."""
    return (" ".join(name.split()).casefold(), postcode or "")


def _postcode(value: str | None) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    parsed = postcodes.parse(cleaned)
    if parsed is None or not parsed.is_full:
        raise ValueError(f"postcode '{cleaned}' is not a valid UK postcode")
    return str(parsed)


def _email(value: str | None) -> str | None:
    cleaned = fields.text(value, limit=200, field="email")
    if cleaned and ("@" not in cleaned or " " in cleaned):
        raise ValueError(f"email '{cleaned}' does not look like an email address")
    return cleaned


def _parse(number: int, raw: dict[str, str], errors: list[RowError]) -> VenueRow | None:
    row = RowChecker(number, errors)
    name = row.check(fields.text, raw.get("name"), limit=200, field="name")
    if not name:
        row.fail("name is empty")
    postcode = row.check(_postcode, raw.get("postcode"))
    latitude = row.check(fields.coordinate, raw.get("latitude"), field="latitude", low=-90, high=90)
    longitude = row.check(fields.coordinate, raw.get("longitude"), field="longitude", low=-180, high=180)
    if (latitude is None) != (longitude is None) and not row.failed:
        row.fail("give both latitude and longitude, or neither")
    if postcode is None and latitude is None and not row.failed:
        row.fail("needs a postcode or a latitude and longitude")
    values: dict[str, object] = {
        "name": name,
        "postcode": postcode,
        "latitude": latitude,
        "longitude": longitude,
        "address": row.check(fields.text, raw.get("address"), limit=300, field="address") or "",
        "phone": row.check(fields.text, raw.get("phone"), limit=40, field="phone"),
        "email": row.check(_email, raw.get("email")),
        "website": row.check(fields.text, raw.get("website"), limit=300, field="website"),
        "opening_notes": row.check(fields.text, raw.get("opening_notes"), limit=2000, field="opening_notes"),
        "active": row.check(fields.boolean, raw.get("active"), default=True, field="active"),
        "last_verified": row.check(fields.a_date, raw.get("last_verified"), field="last_verified"),
        "is_sample": row.check(fields.boolean, raw.get("sample"), default=False, field="sample"),
    }
    for feature in FEATURES:
        values[feature] = row.check(fields.boolean, raw.get(feature), default=False, field=feature)
    organisation = row.check(fields.text, raw.get("organisation"), limit=200, field="organisation")
    if row.failed:
        return None
    return VenueRow(number, values, organisation, fields.string_list(raw.get("languages")))


def _place_by_postcode(session: Session, rows: list[VenueRow], errors: list[RowError]) -> None:
    """Fill in coordinates for rows that gave only a postcode, from the postcodes table."""
    needed = sorted({str(r.values["postcode"]) for r in rows if r.values["latitude"] is None})
    known: dict[str, tuple[float | None, float | None]] = {}
    for start in range(0, len(needed), _IN_CHUNK):
        chunk = needed[start : start + _IN_CHUNK]
        query = select(PostcodePoint.postcode, PostcodePoint.latitude, PostcodePoint.longitude).where(
            PostcodePoint.postcode.in_(chunk)
        )
        known.update({pc: (lat, lon) for pc, lat, lon in session.execute(query)})
    for row in rows:
        if row.values["latitude"] is not None:
            continue
        postcode = str(row.values["postcode"])
        if postcode not in known:
            errors.append(
                RowError(row.row, f"postcode {postcode} was not found: give latitude and longitude")
            )
        elif known[postcode][0] is None:
            errors.append(
                RowError(row.row, f"postcode {postcode} has no position: give latitude and longitude")
            )
        else:
            row.values["latitude"], row.values["longitude"] = known[postcode]


def parse_venues(session: Session, source: Source) -> list[VenueRow]:
    """Every row checked and placed; ImportFailed listing all the problems if any."""
    errors: list[RowError] = []
    rows: list[VenueRow] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in read_rows(source, required=REQUIRED_COLUMNS, known=VENUE_COLUMNS):
        parsed = _parse(number, raw, errors)
        if parsed is None:
            continue
        if parsed.key in seen:
            errors.append(RowError(number, f"repeats row {seen[parsed.key]} (same name and postcode)"))
            continue
        seen[parsed.key] = number
        rows.append(parsed)
    _place_by_postcode(session, rows, errors)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: error.row))
    return rows


def import_venues(session: Session, source: Source, *, replace: bool = False) -> ImportReport:
    """Add or update the venues in `source`; with `replace`, also remove the venues not in it."""
    rows = parse_venues(session, source)
    organisations = organisation_ids(session, (row.organisation for row in rows))
    existing = {
        venue_key(name, postcode): id_
        for id_, name, postcode in session.execute(select(Venue.id, Venue.name, Venue.postcode))
    }
    for row in rows:
        row.values["organisation_id"] = organisations.get(row.organisation) if row.organisation else None

    new = [row for row in rows if row.key not in existing]
    changed = [row for row in rows if row.key in existing]
    languages: list[dict[str, object]] = []
    if new:
        # Core executemany, then one query for the new ids: RETURNING row by row is 50x slower.
        session.connection().execute(insert(Venue), [row.values for row in new])
        created = {
            venue_key(name, postcode): id_
            for id_, name, postcode in session.execute(select(Venue.id, Venue.name, Venue.postcode))
            if venue_key(name, postcode) not in existing
        }
        languages += [{"venue_id": created[row.key], "language": lang} for row in new for lang in row.languages]
    if changed:
        now = datetime.now(UTC)
        changed_ids = [existing[row.key] for row in changed]
        session.execute(
            update(Venue),
            [
                {**row.values, "id": id_, "updated_at": now}
                for id_, row in zip(changed_ids, changed, strict=True)
            ],
        )
        for start in range(0, len(changed_ids), _IN_CHUNK):
            chunk = changed_ids[start : start + _IN_CHUNK]
            session.execute(delete(VenueLanguage).where(VenueLanguage.venue_id.in_(chunk)))
        languages += [
            {"venue_id": id_, "language": lang}
            for id_, row in zip(changed_ids, changed, strict=True)
            for lang in row.languages
        ]
    if languages:
        session.connection().execute(insert(VenueLanguage), languages)

    deleted = 0
    if replace:
        keep = {row.key for row in rows}
        gone = [id_ for key, id_ in existing.items() if key not in keep]
        for start in range(0, len(gone), _IN_CHUNK):
            chunk = gone[start : start + _IN_CHUNK]
            session.execute(delete(Venue).where(Venue.id.in_(chunk)))
            deleted += len(chunk)
    session.flush()
    session.expire_all()
    return ImportReport(created=len(new), updated=len(changed), deleted=deleted)


def _export_row(venue: Venue, organisation: str | None, languages: list[str]) -> dict[str, object]:
    row: dict[str, object] = {
        "name": venue.name,
        "address": venue.address,
        "postcode": venue.postcode or "",
        "latitude": f"{venue.latitude:.6f}",
        "longitude": f"{venue.longitude:.6f}",
        "organisation": organisation or "",
        "phone": venue.phone or "",
        "email": venue.email or "",
        "website": venue.website or "",
        "opening_notes": venue.opening_notes or "",
        "languages": " | ".join(languages),
        "active": fields.yes_no(venue.active),
        "last_verified": venue.last_verified.isoformat() if venue.last_verified else "",
        "sample": fields.yes_no(venue.is_sample),
    }
    row.update({feature: fields.yes_no(getattr(venue, feature)) for feature in FEATURES})
    return row


def _export_rows(session: Session) -> Iterator[dict[str, object]]:
    languages: dict[int, list[str]] = {}
    for venue_id, language in session.execute(
        select(VenueLanguage.venue_id, VenueLanguage.language).order_by(
            VenueLanguage.venue_id, VenueLanguage.language
        )
    ):
        languages.setdefault(venue_id, []).append(language)
    organisations = dict(session.execute(select(Organisation.id, Organisation.name)).tuples().all())
    query = select(Venue).order_by(Venue.name, Venue.postcode).execution_options(yield_per=1000)
    for venue in session.scalars(query):
        organisation = organisations.get(venue.organisation_id) if venue.organisation_id else None
        yield _export_row(venue, organisation, languages.get(venue.id, []))


def export_venues(session: Session, target: TextIO) -> int:
    """Write every venue (inactive ones too) in the import format. Returns the number written."""
    return write_rows(target, VENUE_COLUMNS, _export_rows(session))
