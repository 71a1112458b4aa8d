"""The find-help actions without an engine: a location turn searches once, and "More" pages on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import delete

from actions.find_help import ActionFindHelp, ActionMoreResults, ValidateFindHelpForm
from bot.db.models import HelpSession, Venue
from bot.settings import get_settings
from tests.conftest import LS1_1AZ, Factory

WHERE = f"geo:{LS1_1AZ[0]},{LS1_1AZ[1]}"


@pytest.fixture
def hubs(migrated_url: str, factory: Factory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Factory]:
    """Four venues 1 to 4 km north of LS1 1AZ, and the action server's settings on this database."""
    for km in range(1, 5):
        factory.venue(LS1_1AZ[0] + km / 111.2, LS1_1AZ[1], name=f"Hub {km} km")
    factory.session.commit()
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    get_settings.cache_clear()
    yield factory
    get_settings.cache_clear()


def tracker(message_id: str, slots: dict[str, Any] | None = None) -> Tracker:
    message = {"text": "LS1 1AZ", "intent": {"name": "inform"}, "entities": [], "message_id": message_id}
    values = {
        "location": WHERE,
        "need": None,
        "results_offset": 0,
        "requested_slot": "location",
        **(slots or {}),
    }
    events = [{"event": "user", "text": "LS1 1AZ", "parse_data": message}]
    return Tracker(
        "web-test", values, message, events, False, None, {"name": "find_help_form"}, "action_listen"
    )


async def test_the_validation_search_is_the_one_the_action_answers_with(hubs: Factory) -> None:
    dispatcher = CollectingDispatcher()
    checked = await ValidateFindHelpForm().validate_location(WHERE, dispatcher, tracker("m-1"), {})
    assert checked == {"location": WHERE, "results_offset": 0} and dispatcher.messages == []
    # Were the action to search again, it would find nothing now.
    hubs.session.execute(delete(HelpSession))
    hubs.session.execute(delete(Venue))
    hubs.session.commit()
    events = await ActionFindHelp().run(dispatcher, tracker("m-1"), {})
    [said, pins] = dispatcher.messages
    assert said["text"].startswith("Help near your location:\n1. Hub 1 km, 0.6 miles.")
    assert [pin["name"] for pin in pins["custom"]["venues"]] == ["Hub 1 km", "Hub 2 km", "Hub 3 km"]
    assert events == [
        {"event": "slot", "timestamp": None, "name": "results_offset", "value": 3},
        # The hubs have no sessions, so nothing a "remind me" could mean (bot.loop).
        {"event": "slot", "timestamp": None, "name": "listed_sessions", "value": []},
    ]


async def test_more_searches_on_from_the_offset(hubs: Factory) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionMoreResults().run(dispatcher, tracker("m-2", {"results_offset": 3}), {})
    assert dispatcher.messages[0]["text"].startswith("Here are more places.\n4. Hub 4 km")
    assert events[0]["value"] == 4


async def test_a_location_that_cannot_be_used_is_asked_again(hubs: Factory) -> None:
    dispatcher = CollectingDispatcher()
    checked = await ValidateFindHelpForm().validate_location("Narnia", dispatcher, tracker("m-3"), {})
    assert checked == {"location": None}
    assert dispatcher.messages[0]["text"].startswith("I don't know that place.")
