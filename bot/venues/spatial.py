"""The one dialect-specific part of the search: "which venue ids lie in this box?".

Each database answers from a spatial index, so a query reads the venues near the resident and
not the whole table:
- SQLite: the R*Tree `venue_rtree` (kept in step with `venues` by triggers, see migration 0001);
- PostgreSQL: the GiST index on `point(longitude, latitude)` with the `<@` (contained in box)
  operator (with PostGIS this becomes `geom && ST_MakeEnvelope(...)`, the same plan);
- anything else: the B-tree index on (latitude, longitude).
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, Select, Table, func, select
from sqlalchemy.orm import Session

from bot.db.models import Venue
from bot.geo.distance import BoundingBox

# Declared outside the models' metadata: the migration creates it (a virtual table), and
# autogenerate must not try to.
_rtree_metadata = MetaData()
venue_rtree = Table(
    "venue_rtree",
    _rtree_metadata,
    Column("id", Integer, primary_key=True),
    Column("min_lat", Float),
    Column("max_lat", Float),
    Column("min_lon", Float),
    Column("max_lon", Float),
)


def ids_in_box(session: Session, box: BoundingBox) -> Select[int]:
    """A subquery of the ids of venues whose position lies inside `box`."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return select(venue_rtree.c.id).where(
            venue_rtree.c.max_lat >= box.south,
            venue_rtree.c.min_lat <= box.north,
            venue_rtree.c.max_lon >= box.west,
            venue_rtree.c.min_lon <= box.east,
        )
    if dialect == "postgresql":
        envelope = func.box(func.point(box.west, box.south), func.point(box.east, box.north))
        return select(Venue.id).where(func.point(Venue.longitude, Venue.latitude).op("<@")(envelope))
    return select(Venue.id).where(
        Venue.latitude.between(box.south, box.north), Venue.longitude.between(box.west, box.east)
    )
