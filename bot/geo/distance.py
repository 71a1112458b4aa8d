"""Great-circle distances and the bounding boxes that let an index find candidates first."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
KM_PER_MILE = 1.609344
_KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180


def km_to_miles(km: float) -> float:
    return km / KM_PER_MILE


def miles_to_km(miles: float) -> float:
    return miles * KM_PER_MILE


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (within 0.5% of the ellipsoid over Great Britain)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class BoundingBox:
    south: float
    west: float
    north: float
    east: float


def bounding_box(lat: float, lon: float, radius_km: float) -> BoundingBox:
    """A box that contains every point within `radius_km` of (lat, lon).

    The longitude span is taken at the box's edge nearest a pole, where degrees of longitude
    are shortest, so the box never cuts the circle. Near a pole it opens to all longitudes.
    It does not wrap at the antimeridian (nothing here is near it).
    """
    dlat = radius_km / _KM_PER_DEGREE_LAT
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(south), abs(north))
    if widest >= 89.9:
        return BoundingBox(south, -180.0, north, 180.0)
    dlon = radius_km / (_KM_PER_DEGREE_LAT * math.cos(math.radians(widest)))
    return BoundingBox(south, max(-180.0, lon - dlon), north, min(180.0, lon + dlon))
