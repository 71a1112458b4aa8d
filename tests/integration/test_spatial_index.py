"""The nearest-venue query reads the spatial index, not the whole table, on each backend."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.db.models import Venue
from bot.geo.distance import bounding_box
from bot.venues.spatial import in_box
from tests.conftest import Factory


def _plan(session: Session) -> str:
    query = select(Venue.id).where(in_box(session, bounding_box(53.8, -1.55, 2.0)))
    sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
        return "\n".join(str(row[-1]) for row in rows)
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {sql}")))


def test_the_box_query_uses_the_spatial_index(factory: Factory) -> None:
    for step in range(50):
        factory.venue(53.5 + step * 0.01, -1.55)
    plan = _plan(factory.session)
    if factory.session.get_bind().dialect.name == "sqlite":
        assert "USING COVERING INDEX ix_venues_lat_lon (latitude>? AND latitude<?)" in plan, plan
    else:
        assert "ix_venues_point" in plan, plan
    box = bounding_box(53.8, -1.55, 2.0)
    ids = factory.session.scalars(select(Venue.id).where(in_box(factory.session, box))).all()
    assert len(ids) == 3  # 53.79, 53.80 and 53.81; 2 km is 0.018 degrees of latitude
