from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.callbacks.wording import Wording, load_wording
from bot.callbacks.workdays import WorkingDays
from bot.local import load_local
from bot.outbound import ContactCipher
from bot.settings import ROOT

CONTENT = ROOT / "content"


@pytest.fixture
def cipher() -> ContactCipher:
    return ContactCipher([Fernet.generate_key().decode()])


@pytest.fixture
def workdays() -> WorkingDays:
    return WorkingDays.from_file(CONTENT / "bank_holidays.yml")


@pytest.fixture
def words() -> Wording:
    return load_wording(CONTENT, load_local(CONTENT / "local.yml"), 90)
