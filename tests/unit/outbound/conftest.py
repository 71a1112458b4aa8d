from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.outbound import ContactCipher, QuietHours


@pytest.fixture
def cipher() -> ContactCipher:
    return ContactCipher([Fernet.generate_key().decode()])


@pytest.fixture
def quiet() -> QuietHours:
    return QuietHours(21, 9, "Europe/London")
