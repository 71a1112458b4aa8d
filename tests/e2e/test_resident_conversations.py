"""Whole conversations as residents have them (tests/conversations/*.yml), one test each.

Each runs turn by turn against the real engine, action server and gateway, on the resident's
channel (web chat, SMS, Telegram against the fake Bot API), and fails with the turn that went
wrong and the transcript. `make nlu-report` runs the same set and reports the success rate.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.stack import Stack
from tests.conversations.runner import Conversation, Runner, channels_for, load_all

CONVERSATIONS = load_all()


@pytest.fixture(scope="module")
def runner(
    stack: Stack, e2e_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runner]:
    with channels_for(stack, e2e_env, tmp_path_factory.mktemp("conversations")) as running:
        yield running


def case(conversation: Conversation) -> object:
    """A known failure (`known_failure:` in its file, with the reason) is a strict expected failure."""
    marks = (
        [pytest.mark.xfail(strict=True, reason=conversation.known_failure)]
        if conversation.known_failure
        else []
    )
    return pytest.param(conversation, id=conversation.id, marks=marks)


@pytest.mark.parametrize("conversation", [case(c) for c in CONVERSATIONS])
def test_the_conversation_goes_as_the_resident_needs(runner: Runner, conversation: Conversation) -> None:
    result = runner.run(conversation)
    assert result.passed, f"{conversation.source}: {conversation.name}\n{result.explain()}"
