"""Addresses at rest: Fernet tokens under a MultiFernet, so keys can be rotated.

The first key of OUTBOUND_KEYS encrypts; every key decrypts. Rotation: put a new key first,
keep the old one after it until nothing encrypted with it is left (addresses live only as long
as something is due), then drop it. `rotate` re-encrypts a token under the first key.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class UnreadableAddress(Exception):
    """A stored token that no configured key opens (a key was dropped too early)."""


class ContactCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("OUTBOUND_KEYS needs at least one Fernet key")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError as error:  # the message would not hold the key, but say what to do
            raise ValueError(
                "OUTBOUND_KEYS must be Fernet keys (make one with "
                '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`)'
            ) from error

    @classmethod
    def from_setting(cls, value: str) -> ContactCipher:
        return cls([key.strip() for key in value.split(",") if key.strip()])

    def encrypt(self, address: str) -> str:
        return self._fernet.encrypt(address.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise UnreadableAddress("no configured key opens this address") from error

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode()
