"""The greeting is said in full once a session; a second hello gets the short one."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionGreet, greeted_this_session

HELLO = {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}}
GREETED = {"event": "action", "name": "action_greet"}
NEW_SESSION = {"event": "session_started"}


async def said(events: list[dict[str, Any]]) -> list[str | None]:
    dispatcher = CollectingDispatcher()
    tracker = Tracker("web-test", {}, HELLO["parse_data"], [*events, HELLO], False, None, {}, "action_listen")
    await ActionGreet().run(dispatcher, tracker, {})
    return [m["response"] for m in dispatcher.messages]


async def test_the_first_hello_gets_the_greeting_and_the_menu() -> None:
    assert await said([NEW_SESSION]) == ["utter_greet", "utter_menu"]


async def test_a_second_hello_in_the_same_session_gets_the_short_one() -> None:
    """The web chat says hi when it opens; the resident's own "hiya" must not repeat it all."""
    assert await said([NEW_SESSION, HELLO, GREETED]) == ["utter_greet_again"]


async def test_the_next_session_is_greeted_in_full_again() -> None:
    assert await said([HELLO, GREETED, NEW_SESSION]) == ["utter_greet", "utter_menu"]
    assert greeted_this_session([{"event": "action", "name": "utter_greet"}])
