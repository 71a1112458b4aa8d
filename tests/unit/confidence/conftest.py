"""The shipped data file and knowledge base, loaded once for the confidence check's unit tests."""

from __future__ import annotations

import pytest

from bot.confidence.content import ConfidenceCheck, load_check
from bot.confidence.service import DATA_FILE, topic_titles
from bot.settings import get_settings


@pytest.fixture(scope="session")
def titles() -> dict[str, str]:
    return topic_titles(get_settings())


@pytest.fixture(scope="session")
def check(titles: dict[str, str]) -> ConfidenceCheck:
    return load_check(get_settings().content_dir / DATA_FILE, titles)


def all_answers(check: ConfidenceCheck, option: int, **overrides: int) -> dict[str, int]:
    """Every question answered with `option`, except the ones named."""
    return {q.id: overrides.get(q.id, option) for q in check.questions}
