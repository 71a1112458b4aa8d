"""What content/local.yml tells residents about who to contact carries its source (issue 19)."""

from __future__ import annotations

import re

import pytest

from bot.local import load_local
from bot.settings import get_settings

LOCAL = load_local(get_settings().local_file)


@pytest.mark.parametrize(
    ("what", "source"),
    [
        ("helpline", LOCAL.helpline.source),
        ("data requests", LOCAL.data_requests.source),
        ("champions", LOCAL.champions.source),
        ("libraries", LOCAL.libraries.source),
    ],
)
def test_each_contact_names_the_page_it_comes_from(what: str, source: str) -> None:
    assert re.search(r"https://\S+", source), f"{what}: no link to check it against"


def test_the_data_contact_is_not_the_general_line() -> None:
    assert LOCAL.data_requests.contact not in (LOCAL.helpline.phone, LOCAL.helpline.name)
    assert LOCAL.data_requests.contact in LOCAL.data_requests.source
