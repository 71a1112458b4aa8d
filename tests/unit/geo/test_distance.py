from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.geo.distance import bounding_box, haversine_km, km_to_miles, miles_to_km


def test_distances_between_known_places() -> None:
    # Leeds Central Library to York Minster: about 36 km as the crow flies.
    assert haversine_km(53.8002, -1.5487, 53.9623, -1.0819) == pytest.approx(35.9, abs=0.5)
    assert haversine_km(53.8, -1.5, 53.8, -1.5) == 0.0
    assert km_to_miles(miles_to_km(10)) == pytest.approx(10)
    assert miles_to_km(1) == pytest.approx(1.609344)


@given(
    lat=st.floats(49.0, 61.0),
    lon=st.floats(-8.0, 2.0),
    radius=st.floats(0.05, 100.0),
    bearing=st.floats(0, 2 * math.pi),
    fraction=st.floats(0, 0.999),
)
def test_every_point_within_the_radius_is_inside_the_box(
    lat: float, lon: float, radius: float, bearing: float, fraction: float
) -> None:
    # A point `fraction * radius` away along `bearing` (spherical destination formula).
    delta = fraction * radius / 6371.0088
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(bearing))
    lambda2 = lambda1 + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    point = (math.degrees(phi2), math.degrees(lambda2))
    assert haversine_km(lat, lon, *point) <= radius + 1e-6
    box = bounding_box(lat, lon, radius)
    assert box.south <= point[0] <= box.north
    assert box.west <= point[1] <= box.east


def test_the_box_is_not_much_bigger_than_the_circle() -> None:
    box = bounding_box(53.8, -1.55, 10)
    assert haversine_km(box.south, -1.55, box.north, -1.55) == pytest.approx(20, rel=0.01)
    assert haversine_km(53.8, box.west, 53.8, box.east) == pytest.approx(20, rel=0.02)
