"""Which address a request came from, trusting forwarded headers only from our own proxies.

Behind a TLS proxy or a Kubernetes Ingress every request reaches the gateway from the proxy's
address; the resident's is in `X-Forwarded-For`, which the proxy appends to. Anyone can send
that header too, so it is believed only when the request comes from an address listed in
TRUSTED_PROXIES (addresses or networks, comma-separated, e.g. the ingress controller's pod
network "10.42.0.0/16"). Unset, the header is ignored and the peer address is the client.

The header is read from the right (the hop our proxy added) leftwards, skipping our own
proxies: the first address that is not one of them is the client. What is left of it was
written by the client and is never used. uvicorn must not rewrite the peer address itself
(`--no-proxy-headers`, as bot/stack.py and the images run it): by default it believes the
header from 127.0.0.1, and a local client could then claim any address.

Used for the staff login limits and the residents' rate limits: `client_address(request, settings)`.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection
from starlette.types import Scope

from bot.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


@lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """TRUSTED_PROXIES parsed; ValueError names an entry that is neither an address nor a network."""
    networks = []
    for entry in (part.strip() for part in setting.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: '{entry}' is not an IP address or network") from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def forwarded_client(peer: str, forwarded_for: list[str], networks: tuple[Network, ...]) -> str:
    """The client's address, given the peer's and the X-Forwarded-For headers (see the module)."""
    address = _address(peer)
    if address is None or not networks or not _trusted(address, networks):
        return peer
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        found = _address(hop)
        if found is None:
            break  # garbage in the chain: stop at the last hop one of our proxies vouched for
        address = found
        if not _trusted(found, networks):
            break
    return str(address)


def client_address(request: HTTPConnection, settings: Settings) -> str:
    """The address a request came from: X-Forwarded-For only through TRUSTED_PROXIES."""
    return client_address_of(request.scope, settings)


def client_address_of(scope: Scope, settings: Settings) -> str:
    """As `client_address`, from the ASGI scope (for plain ASGI endpoints: bot/gateway/rest.py)."""
    client = scope.get("client")
    if not client:
        return UNKNOWN
    networks = trusted_networks(settings.trusted_proxies)
    if not networks:
        return str(client[0])
    forwarded = [value.decode("latin-1") for name, value in scope["headers"] if name == b"x-forwarded-for"]
    return forwarded_client(str(client[0]), forwarded, networks)
