"""The one backend-specific part of the search: "is this venue inside the box?".

Each database answers from an index, so a query reads the venues near the resident and not
the whole table:
- PostgreSQL: the GiST index on `point(longitude, latitude)` with the `<@` (contained in box)
  operator; with PostGIS this becomes `geom && ST_MakeEnvelope(...)`, the same plan;
- SQLite (and anything else): the B-tree on (latitude, longitude), scanned for the box's band
  of latitude with longitude checked in the index, before any row is read.

SQLite's R*Tree was measured too: no faster for these queries (their cost is the rows
returned, which the search keeps few by starting small), and keeping it up to date made
imports more than twice as slow (docs/performance.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func
from sqlalchemy.orm import Session

from bot.db.models import Venue
from bot.geo.distance import BoundingBox


def _inside(dialect: str, south: Any, west: Any, north: Any, east: Any) -> ColumnElement[bool]:
    if dialect == "postgresql":
        envelope = func.box(func.point(west, south), func.point(east, north))
        return func.point(Venue.longitude, Venue.latitude).op("<@")(envelope)
    return and_(Venue.latitude.between(south, north), Venue.longitude.between(west, east))


def in_box(session: Session, box: BoundingBox) -> ColumnElement[bool]:
    """A condition on `Venue`, true for venues inside `box`, that the backend's index serves."""
    return _inside(session.get_bind().dialect.name, box.south, box.west, box.north, box.east)


BOX_PARAMS = ("south", "west", "north", "east")


def in_any_box(dialect: str) -> ColumnElement[bool]:
    """`in_box` with the box's edges left as parameters (`box_params`), for a statement built
    once and run for every box: the same SQL, without building and keying a statement a query."""
    return _inside(dialect, *(bindparam(name, type_=Venue.latitude.type) for name in BOX_PARAMS))


def box_params(box: BoundingBox) -> dict[str, float]:
    return {"south": box.south, "west": box.west, "north": box.north, "east": box.east}
