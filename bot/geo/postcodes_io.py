"""An online postcode look-up on postcodes.io (free, open, ONS data) for postcodes Code-Point lacks.

Code-Point Open is refreshed a few times a year, so brand-new postcodes are missing from it.
In production this client fills those gaps; the answer is cached in the `postcodes` table by
`bot.geo.locate`. It never decides alone that a postcode is unknown when the service is down:
a timeout or an error raises `GeocoderUnavailable`, and the caller falls back to the outcode.

Tests give it an `httpx.MockTransport`, so they never reach the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

import httpx


class GeocoderUnavailable(RuntimeError):
    """The service did not answer in time or answered with an error."""


@dataclass(frozen=True)
class GeocodedPostcode:
    postcode: str
    latitude: float
    longitude: float


class PostcodeGeocoder(Protocol):
    def lookup(self, postcode: str) -> GeocodedPostcode | None:
        """The postcode's position, None if the service says it does not exist."""
        ...


class PostcodesIO:
    def __init__(
        self,
        base_url: str = "https://api.postcodes.io",
        *,
        timeout: float = 2.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)

    def lookup(self, postcode: str) -> GeocodedPostcode | None:
        try:
            response = self._client.get(f"/postcodes/{quote(postcode)}")
        except httpx.HTTPError as error:
            raise GeocoderUnavailable(f"postcodes.io did not answer: {error}") from error
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise GeocoderUnavailable(f"postcodes.io answered {response.status_code}")
        try:
            result = response.json()["result"]
            latitude, longitude = result["latitude"], result["longitude"]
        except (ValueError, KeyError, TypeError) as error:
            raise GeocoderUnavailable(f"postcodes.io sent an unexpected answer: {error}") from error
        if latitude is None or longitude is None:
            # A real postcode without a position (e.g. a PO box): treat like Code-Point quality 90.
            raise GeocoderUnavailable(f"postcodes.io has no position for {postcode}")
        return GeocodedPostcode(str(result.get("postcode") or postcode), float(latitude), float(longitude))

    def close(self) -> None:
        self._client.close()
