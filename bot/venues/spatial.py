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

from sqlalchemy import ColumnElement, and_, func
from sqlalchemy.orm import Session

from bot.db.models import Venue
from bot.geo.distance import BoundingBox


def in_box(session: Session, box: BoundingBox) -> ColumnElement[bool]:
    """A condition on `Venue`, true for venues inside `box`, that the backend's index serves."""
    if session.get_bind().dialect.name == "postgresql":
        envelope = func.box(func.point(box.west, box.south), func.point(box.east, box.north))
        return func.point(Venue.longitude, Venue.latitude).op("<@")(envelope)
    return and_(Venue.latitude.between(box.south, box.north), Venue.longitude.between(box.west, box.east))
