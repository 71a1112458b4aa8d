"""Venues to and from CSV: the format staff keep the venue list in.

Columns: `name,address,postcode,latitude,longitude` and, optionally, the rest of
`VENUE_COLUMNS`. A row needs a valid postcode or coordinates: both given, the coordinates
stand; a postcode alone is placed from Code-Point Open (offline). Rows are matched to existing
venues by name and postcode and updated; `replace=True` also removes venues not in the file
(with their sessions). The whole file is checked before anything is written.

`referral_code` is the code on the venue's flyers: unique across venues and champions. A file
without that column leaves the codes as they are, since flyers with them may be in print.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TextIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.bulk import insert_rows, table_of, update_rows
from bot.db.models import FEATURES, LANGUAGE_SEPARATOR, DigitalChampion, Organisation, PostcodePoint, Venue
from bot.venues import fields, rules
from bot.venues.csvio import (
    ImportReport,
    RowError,
    Source,
    changes,
    checked_rows,
    fail_on,
    read_table,
    write_rows,
)
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
    "referral_code",
    "active",
    "last_verified",
    "sample",
)
_CODE = re.compile(r"[A-Z0-9_-]{3,40}")
_IN_CHUNK = 500
_LOOKUP_CHUNK = 2_000
_BY_OUTCODE = 10_000


@dataclass
class VenueRow:
    row: int
    values: dict[str, object]
    organisation: str | None
    key: tuple[str, str]


def venue_key(name: str, postcode: str | None) -> tuple[str, str]:
    """How rows are matched to venues: the name in any case, and the postcode."""
    return (" ".join(name.split()).casefold(), postcode or "")


# (column, longest allowed) for the free-text columns (email also has its rule).
_TEXTS = (("address", 300), ("phone", 40), ("email", 200), ("website", 300), ("opening_notes", 2000))
# (CSV column, model attribute, value when the cell is empty) for the yes/no columns.
_FLAGS = (
    *((feature, feature, False) for feature in FEATURES),
    ("active", "active", True),
    ("sample", "is_sample", False),
)


# (column, parser) for the columns that need more than trimming; a parser raises ValueError.
_CHECKED: tuple[tuple[str, Callable[[str | None], object]], ...] = (
    ("postcode", rules.full_postcode),
    ("latitude", partial(fields.coordinate, field="latitude")),
    ("longitude", partial(fields.coordinate, field="longitude")),
    ("last_verified", partial(fields.a_date, field="last_verified")),
)


@dataclass(frozen=True)
class _Plan:
    """What to read from each row, given the file's columns: absent columns just take defaults."""

    texts: tuple[tuple[str, int], ...]
    flags: tuple[tuple[str, str, bool], ...]
    defaults: dict[str, object]
    codes: bool = False

    @classmethod
    def for_columns(cls, columns: list[str]) -> _Plan:
        present = set(columns)
        defaults: dict[str, object] = {column: None for column, _ in _TEXTS if column not in present}
        defaults.update(
            {attribute: default for column, attribute, default in _FLAGS if column not in present}
        )
        return cls(
            texts=tuple(text for text in _TEXTS if text[0] in present),
            flags=tuple(flag for flag in _FLAGS if flag[0] in present),
            defaults=defaults,
            codes="referral_code" in present,
        )


def _parse(number: int, raw: dict[str, str], plan: _Plan, errors: list[RowError]) -> VenueRow | None:
    """One row, checked. Plain loops over tables of columns: a big import calls it 100,000 times."""
    problems: list[str] = []
    name = " ".join((raw.get("name") or "").split())
    if not name:
        problems.append("name is empty")
    elif len(name) > 200:
        problems.append("name is longer than 200 characters")
    values: dict[str, object] = {
        **plan.defaults,
        "name": name,
        "languages": LANGUAGE_SEPARATOR.join(fields.string_list(raw.get("languages"))),
    }
    for column, parse in _CHECKED:
        try:
            values[column] = parse(raw.get(column))
        except ValueError as error:
            problems.append(str(error))
            values[column] = None
    postcode, latitude, longitude = values["postcode"], values["latitude"], values["longitude"]
    if not problems:
        placed = rules.position_problem(
            postcode if isinstance(postcode, str) else None,
            latitude if isinstance(latitude, float) else None,
            longitude if isinstance(longitude, float) else None,
        )
        if placed is not None:
            problems.append(placed[1])
    for column, limit in plan.texts:
        text = (raw.get(column) or "").strip()
        if len(text) > limit:
            problems.append(f"{column} is longer than {limit} characters")
        values[column] = text or None
    values["address"] = values["address"] or ""
    if values["email"] is not None:
        try:
            values["email"] = rules.email(raw.get("email"))
        except ValueError as error:
            problems.append(str(error))
    for column, attribute, default in plan.flags:
        cell = raw.get(column)
        flag = fields.BOOLEANS.get(cell.strip().lower(), None) if cell else default
        if flag is None:
            problems.append(f"{column} should be yes or no, not '{cell}'")
        values[attribute] = flag
    if plan.codes:
        code = (raw.get("referral_code") or "").strip().upper() or None
        if code is not None and not _CODE.fullmatch(code):
            problems.append(f"referral_code '{code}' should be 3 to 40 of A-Z, 0-9, - and _")
        values["referral_code"] = code
    organisation = (raw.get("organisation") or "").strip() or None
    if organisation and len(organisation) > 200:
        problems.append("organisation is longer than 200 characters")
    if problems:
        errors.extend(RowError(number, problem) for problem in problems)
        return None
    return VenueRow(
        number, values, organisation, venue_key(name, postcode if isinstance(postcode, str) else None)
    )


def _place_by_postcode(session: Session, rows: list[VenueRow], errors: list[RowError]) -> None:
    """Fill in coordinates for rows that gave only a postcode, from the postcodes table.

    A few thousand postcodes are asked for by name, 2,000 to a query; beyond that, whole
    outcodes are read (a few hundred postcodes each), which for a 100,000-row file is a
    handful of queries instead of fifty.
    """
    needed = {str(r.values["postcode"]) for r in rows if r.values["latitude"] is None}
    columns = (PostcodePoint.postcode, PostcodePoint.latitude, PostcodePoint.longitude)
    if len(needed) > _BY_OUTCODE:
        keys, column = sorted({postcode.split()[0] for postcode in needed}), PostcodePoint.outcode
    else:
        keys, column = sorted(needed), PostcodePoint.postcode
    known: dict[str, tuple[float | None, float | None]] = {}
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        query = select(*columns).where(column.in_(keys[start : start + _LOOKUP_CHUNK]))
        known.update({pc: (lat, lon) for pc, lat, lon in session.execute(query) if pc in needed})
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


def _check_codes(session: Session, rows: list[VenueRow], errors: list[RowError]) -> None:
    """A referral code once in the file, and not already another venue's or a champion's."""
    first: dict[str, int] = {}
    for row in rows:
        code = row.values["referral_code"]
        if not isinstance(code, str):
            continue
        if code in first:
            errors.append(RowError(row.row, f"referral_code {code} is also on row {first[code]}"))
        else:
            first[code] = row.row
    if not first:
        return
    keys = {code: row.key for row in rows if isinstance(code := row.values["referral_code"], str)}
    taken: dict[str, str] = {}
    for code, name, postcode in session.execute(
        select(Venue.referral_code, Venue.name, Venue.postcode).where(Venue.referral_code.is_not(None))
    ):
        if code is not None and code in keys and keys[code] != venue_key(name, postcode):
            taken[code] = f"the venue {name}"
    champions = select(DigitalChampion.referral_code, DigitalChampion.name)
    for code, name in session.execute(champions.where(DigitalChampion.referral_code.is_not(None))):
        if code is not None and code in keys:
            taken[code] = f"the champion {name}"
    for code, owner in taken.items():
        errors.append(RowError(first[code], f"referral_code {code} is already used by {owner}"))


def parse_venues(session: Session, source: Source) -> list[VenueRow]:
    """Every row checked and placed; ImportFailed listing all the problems if any."""
    errors: list[RowError] = []
    columns, table = read_table(source, required=REQUIRED_COLUMNS, known=VENUE_COLUMNS)
    plan = _Plan.for_columns(columns)
    rows = checked_rows(
        table, lambda number, raw: _parse(number, raw, plan, errors), errors, same="same name and postcode"
    )
    _place_by_postcode(session, rows, errors)
    if plan.codes:
        _check_codes(session, rows, errors)
    fail_on(errors)
    return rows


def import_venues(session: Session, source: Source, *, replace: bool = False) -> ImportReport:
    """Add or update the venues in `source`; with `replace`, also remove the venues not in it."""
    rows = parse_venues(session, source)
    organisations = organisation_ids(session, (row.organisation for row in rows))
    existing: dict[Hashable, int] = {
        venue_key(name, postcode): id_
        for id_, name, postcode in session.execute(select(Venue.id, Venue.name, Venue.postcode))
    }
    for row in rows:
        row.values["organisation_id"] = organisations.get(row.organisation) if row.organisation else None

    plan = changes(rows, existing, replace=replace)
    table = table_of(Venue)
    if plan.new:
        insert_rows(session.connection(), table, [row.values for row in plan.new])
    if plan.changed:
        now = datetime.now(UTC)
        updates = [{**row.values, "id": id_, "updated_at": now} for row, id_ in plan.changed]
        update_rows(session.connection(), table, updates)
    for start in range(0, len(plan.gone), _IN_CHUNK):
        session.execute(delete(Venue).where(Venue.id.in_(plan.gone[start : start + _IN_CHUNK])))
    session.flush()
    session.expire_all()
    return plan.report()


def _export_row(venue: Venue, organisation: str | None) -> dict[str, object]:
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
        "languages": " | ".join(venue.language_list),
        "referral_code": venue.referral_code or "",
        "active": fields.yes_no(venue.active),
        "last_verified": venue.last_verified.isoformat() if venue.last_verified else "",
        "sample": fields.yes_no(venue.is_sample),
    }
    row.update({feature: fields.yes_no(getattr(venue, feature)) for feature in FEATURES})
    return row


def _export_rows(session: Session) -> Iterator[dict[str, object]]:
    organisations = dict(session.execute(select(Organisation.id, Organisation.name)).tuples().all())
    query = select(Venue).order_by(Venue.name, Venue.postcode).execution_options(yield_per=1000)
    for venue in session.scalars(query):
        organisation = organisations.get(venue.organisation_id) if venue.organisation_id else None
        yield _export_row(venue, organisation)


def export_venues(session: Session, target: TextIO) -> int:
    """Write every venue (inactive ones too) in the import format. Returns the number written."""
    return write_rows(target, VENUE_COLUMNS, _export_rows(session))
