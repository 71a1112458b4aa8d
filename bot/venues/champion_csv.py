"""Digital Champions from CSV: `name` (a role or first name), organisation, areas, languages,
contact (how to reach them) and referral code.

A row updates the champion with the same referral code, or else the same name and
organisation; `replace=True` removes the champions not in the file. All or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from bot.db.models import DigitalChampion
from bot.venues import fields
from bot.venues.csvio import ImportFailed, ImportReport, RowChecker, RowError, Source, read_rows
from bot.venues.organisations import organisation_ids

REQUIRED_COLUMNS = ("name", "contact")
CHAMPION_COLUMNS = (
    "name",
    "organisation",
    "areas",
    "languages",
    "contact",
    "referral_code",
    "active",
    "last_verified",
    "sample",
)


@dataclass
class ChampionRow:
    row: int
    values: dict[str, object]
    organisation: str | None

    @property
    def key(self) -> tuple[str, ...]:
        return champion_key(self.values["referral_code"], str(self.values["name"]), self.organisation)


def champion_key(code: object, name: str, organisation: str | None) -> tuple[str, ...]:
    if code:
        return ("code", str(code).upper())
    return ("name", " ".join(name.split()).casefold(), (organisation or "").casefold())


def _parse(number: int, raw: dict[str, str], errors: list[RowError]) -> ChampionRow | None:
    row = RowChecker(number, errors)
    name = row.check(fields.text, raw.get("name"), limit=100, field="name")
    if not name:
        row.fail("name is empty")
    contact = row.check(fields.text, raw.get("contact"), limit=300, field="contact")
    if not contact:
        row.fail("contact is empty: say how a resident can reach them")
    code = row.check(fields.text, raw.get("referral_code"), limit=40, field="referral_code")
    values: dict[str, object] = {
        "name": name,
        "contact": contact,
        "referral_code": code.upper() if code else None,
        "areas": fields.string_list(raw.get("areas")),
        "languages": fields.string_list(raw.get("languages")),
        "active": row.check(fields.boolean, raw.get("active"), default=True, field="active"),
        "last_verified": row.check(fields.a_date, raw.get("last_verified"), field="last_verified"),
        "is_sample": row.check(fields.boolean, raw.get("sample"), default=False, field="sample"),
    }
    organisation = row.check(fields.text, raw.get("organisation"), limit=200, field="organisation")
    return None if row.failed else ChampionRow(number, values, organisation)


def import_champions(session: Session, source: Source, *, replace: bool = False) -> ImportReport:
    errors: list[RowError] = []
    rows: list[ChampionRow] = []
    seen: dict[tuple[str, ...], int] = {}
    for number, raw in read_rows(source, required=REQUIRED_COLUMNS, known=CHAMPION_COLUMNS):
        parsed = _parse(number, raw, errors)
        if parsed is None:
            continue
        if parsed.key in seen:
            errors.append(RowError(number, f"repeats row {seen[parsed.key]}"))
            continue
        seen[parsed.key] = number
        rows.append(parsed)
    if errors:
        raise ImportFailed(errors)

    organisations = organisation_ids(session, (row.organisation for row in rows))
    names = {id_: name for name, id_ in organisations.items()}
    existing = {
        champion_key(code, name, names.get(org_id) if org_id else None): id_
        for id_, name, org_id, code in session.execute(
            select(
                DigitalChampion.id,
                DigitalChampion.name,
                DigitalChampion.organisation_id,
                DigitalChampion.referral_code,
            )
        )
    }
    for row in rows:
        row.values["organisation_id"] = organisations.get(row.organisation) if row.organisation else None
    new = [row.values for row in rows if row.key not in existing]
    now = datetime.now(UTC)
    changed = [
        {**row.values, "id": existing[row.key], "updated_at": now} for row in rows if row.key in existing
    ]
    if new:
        session.execute(insert(DigitalChampion), new)
    if changed:
        session.execute(update(DigitalChampion), changed)
    deleted = 0
    if replace:
        keep = {row.key for row in rows}
        gone = [id_ for key, id_ in existing.items() if key not in keep]
        if gone:
            session.execute(delete(DigitalChampion).where(DigitalChampion.id.in_(gone)))
            deleted = len(gone)
    session.flush()
    session.expire_all()
    return ImportReport(created=len(new), updated=len(changed), deleted=deleted)
