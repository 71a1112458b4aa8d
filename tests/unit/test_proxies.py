"""The client's address: X-Forwarded-For believed only from the proxies we run (bot/proxies.py)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from bot.proxies import client_address, forwarded_client, trusted_networks
from bot.settings import Settings

INGRESS = trusted_networks("10.42.0.0/16, 127.0.0.1")


def request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def test_without_trusted_proxies_the_header_is_ignored_even_from_loopback() -> None:
    settings = Settings(trusted_proxies="")
    assert client_address(request("127.0.0.1", "203.0.113.9"), settings) == "127.0.0.1"


def test_the_hop_our_proxy_added_is_the_client_and_what_the_client_wrote_is_not() -> None:
    assert forwarded_client("10.42.3.4", ["203.0.113.9"], INGRESS) == "203.0.113.9"
    spoofed = ["198.51.100.1, 203.0.113.9"]  # the client sent "198.51.100.1"; the ingress appended
    assert forwarded_client("10.42.3.4", spoofed, INGRESS) == "203.0.113.9"
    assert forwarded_client("10.42.3.4", ["203.0.113.9, 10.42.0.7"], INGRESS) == "203.0.113.9"
    assert forwarded_client("10.42.3.4", ["203.0.113.9", "10.42.0.7"], INGRESS) == "203.0.113.9"


def test_a_stranger_cannot_claim_an_address() -> None:
    assert forwarded_client("198.51.100.20", ["203.0.113.9"], INGRESS) == "198.51.100.20"


def test_garbage_in_the_chain_stops_at_the_last_address_a_proxy_vouched_for() -> None:
    assert forwarded_client("10.42.3.4", ["not-an-ip"], INGRESS) == "10.42.3.4"
    assert forwarded_client("10.42.3.4", ["x, 10.42.0.9"], INGRESS) == "10.42.0.9"
    assert forwarded_client("10.42.3.4", [], INGRESS) == "10.42.3.4"


def test_a_mistyped_setting_is_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'"):
        trusted_networks("10.0.0.300")
