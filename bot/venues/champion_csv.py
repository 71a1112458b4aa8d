"""Digital Champions from CSV: `name` (a role or first name), organisation, areas, languages,
contact (how to reach them) and referral code.

A row updates the champion with the same referral code, or else the same name and
organisation; `replace=True` removes the champions not in the file. All or nothing.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from bot.db.models import DigitalChampion
from bot.venues import fields
from bot.venues.csvio import (
    ImportReport,
    RowChecker,
    RowError,
    Source,
    changes,
    checked_rows,
    fail_on,
    read_rows,
)
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
    rows = checked_rows(
        read_rows(source, required=REQUIRED_COLUMNS, known=CHAMPION_COLUMNS),
        lambda number, raw: _parse(number, raw, errors),
        errors,
    )
    fail_on(errors)

    organisations = organisation_ids(session, (row.organisation for row in rows))
    names = {id_: name for name, id_ in organisations.items()}
    existing: dict[Hashable, int] = {
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
    plan = changes(rows, existing, replace=replace)
    now = datetime.now(UTC)
    if plan.new:
        session.execute(insert(DigitalChampion), [row.values for row in plan.new])
    if plan.changed:
        updates = [{**row.values, "id": id_, "updated_at": now} for row, id_ in plan.changed]
        session.execute(update(DigitalChampion), updates)
    if plan.gone:
        session.execute(delete(DigitalChampion).where(DigitalChampion.id.in_(plan.gone)))
    session.flush()
    session.expire_all()
    return plan.report()
