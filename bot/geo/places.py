"""The Leeds place gazetteer: one CSV file shared by the NLU (to spot place names) and the geocoder.

Standard library only and Python 3.10-compatible, because the engine's NLU component imports it.
Staff add a place by adding a row to `content/places/leeds.csv`; `aliases` holds other spellings
and common misspellings separated by `|`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Place:
    name: str
    kind: str
    latitude: float
    longitude: float
    outcodes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default=())

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every way of writing the place that should be recognised, the official name first."""
        return (self.name, *self.aliases)


def normalise(text: str) -> str:
    """Lower case, no punctuation, single spaces: the form names are compared in."""
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", text.lower())).strip()


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (cell or "").split("|") if part.strip())


def load_places(path: Path) -> list[Place]:
    """Read the gazetteer. Raises ValueError naming the row for a broken line."""
    places: list[Place] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row_number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                places.append(
                    Place(
                        name=row["name"].strip(),
                        kind=row.get("kind", "").strip() or "place",
                        latitude=float(row["latitude"]),
                        longitude=float(row["longitude"]),
                        outcodes=tuple(o.upper() for o in _split(row.get("outcodes"))),
                        aliases=_split(row.get("aliases")),
                    )
                )
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"{path.name} row {row_number}: {error}") from error
    return places


def index_by_spelling(places: list[Place]) -> dict[str, Place]:
    """Normalised spelling -> place, for exact look-ups of what a resident typed."""
    index: dict[str, Place] = {}
    for place in places:
        for spelling in place.spellings:
            index.setdefault(normalise(spelling), place)
    return index
