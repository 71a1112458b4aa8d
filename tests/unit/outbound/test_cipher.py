from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.outbound import ContactCipher, UnreadableAddress


def test_an_address_is_stored_as_a_token_that_does_not_contain_it() -> None:
    cipher = ContactCipher([Fernet.generate_key().decode()])
    token = cipher.encrypt("+447700900123")
    assert "7700900123" not in token
    assert cipher.decrypt(token) == "+447700900123"


def test_a_rotated_key_still_opens_old_tokens_and_new_ones_use_the_first_key() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = ContactCipher([old]).encrypt("123456789")
    rotated = ContactCipher([new, old])
    assert rotated.decrypt(token) == "123456789"
    assert ContactCipher([new]).decrypt(rotated.rotate(token)) == "123456789"
    with pytest.raises(UnreadableAddress):
        ContactCipher([new]).decrypt(token)


def test_keys_come_from_a_comma_separated_setting() -> None:
    a, b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = ContactCipher([b]).encrypt("42")
    assert ContactCipher.from_setting(f" {a} , {b} ").decrypt(token) == "42"


def test_a_key_that_is_not_a_fernet_key_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError, match="Fernet keys") as error:
        ContactCipher(["not-a-key"])
    assert "not-a-key" not in str(error.value)
    with pytest.raises(ValueError):
        ContactCipher([])
