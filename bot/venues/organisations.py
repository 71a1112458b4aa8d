"""Organisations are named in the venue and champion spreadsheets and made on first mention."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.db.models import Organisation


def organisation_ids(session: Session, names: Iterable[str | None]) -> dict[str, int]:
    """Name -> id for every organisation, adding those in `names` that do not exist yet."""
    wanted = {name for name in names if name}
    ids = {name: id_ for id_, name in session.execute(select(Organisation.id, Organisation.name))}
    missing = sorted(wanted - ids.keys())
    if missing:
        created = session.execute(
            insert(Organisation).returning(Organisation.id, Organisation.name, sort_by_parameter_order=True),
            [{"name": name} for name in missing],
        )
        ids.update({name: id_ for id_, name in created})
    return ids
