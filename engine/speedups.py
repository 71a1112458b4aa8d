"""Fixes to Rasa 3.6's per-turn costs: the replacements that `engine.patches.apply()` installs.

Nothing here changes Rasa by being imported; engine/patches.py lists each symbol, why, and
applies them once at engine start.

Measured with bench/load.py and py-spy (docs/performance.md):
- Every action-server reply is checked against a JSON schema with `jsonschema.validate`, which
  checks the schema itself first, every time: 37% of the engine's busy time, about 24 ms a
  reply. A validator built once gives the same answers in about 1 ms.
- A second message of a conversation that arrives while the first is still being answered
  waits for the conversation's lock, polling once a second; a resident who double-sends waits
  a second for nothing. Polling every 50 ms costs nothing measurable.
- Every action call carries the whole conversation; the actions read only its recent part
  (the last question asked, the form's latest answer), so at most the last 50 events are sent.
- Every action call also carries the whole domain unless selective domain is on (it is, in
  endpoints.yml). rasa-sdk keeps the domain it was sent once and answers 449 when it has none
  (after a restart, or a new action-server replica); Rasa 3.6 predates that answer, so here the
  domain goes with the first call, and a 449 is retried once with the domain.
- Every call to the action server opened a new HTTP session and TCP connection (Rasa's
  `EndpointConfig.request` makes a session per request and closes it). One session per event
  loop keeps its connections alive between calls; they are dropped after 2 s idle, before the
  action server's own keep-alive of 5 s ends, so a call never lands on a closing connection.
- The model's graph runs in plain order rather than through dask (engine/graph_runner.py).
- Every event read from the tracker store or an action's reply finds its class by walking all
  of Event's subclasses (`Event.resolve_by_type`, 3% of the engine's busy time under load);
  the class found for a name is kept, so it is walked once per event name.
These change speed only: the same replies, the same errors.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

import aiohttp
import ujson
from jsonschema import validators
from jsonschema.exceptions import best_match
from rasa.core import lock_store
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, ClientResponseError, EndpointConfig

LOCK_POLL_SECONDS = 0.05
ACTION_EVENTS = 50
IDLE_CONNECTION_SECONDS = 2.0


@functools.lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


# What an action reply may hold, checked by hand for the common events (RemoteAction's schema,
# rasa/shared/utils/schemas/events.py). `oneOf` picks the one branch whose `const` is the event's
# name, so each name has its own check; other names (user, entities...) go to jsonschema.
_NUMBER = (int, float)
_EVENT_CHECKS: dict[str, Any] = {
    "action": lambda event: (
        all(_is_str_or_none(event, key) for key in ("policy", "name", "action_text"))
        and ("confidence" not in event or event["confidence"] is None or _is_number(event["confidence"]))
        and ("hide_rule_turn" not in event or type(event["hide_rule_turn"]) is bool)
    ),
    "slot": lambda event: type(event.get("name")) is str and "value" in event,
    **{
        name: lambda event: True
        for name in (
            "user_featurization",
            "cancel_reminder",
            "reminder",
            "action_execution_rejected",
            "form_validation",
            "loop_interrupted",
            "form",
            "active_loop",
            "reset_slots",
            "resume",
            "pause",
            "followup",
            "export",
            "restart",
            "undo",
            "rewind",
            "bot",
            "session_started",
            "agent",
        )
    },
}


def _is_number(value: Any) -> bool:
    return type(value) in _NUMBER


def _is_str_or_none(event: dict[str, Any], key: str) -> bool:
    return key not in event or event[key] is None or type(event[key]) is str


def _plainly_valid_event(event: Any) -> bool:
    if type(event) is not dict or type(event.get("event")) is not str:
        return False
    if "timestamp" in event and not (event["timestamp"] is None or _is_number(event["timestamp"])):
        return False
    if "metadata" in event and not (event["metadata"] is None or type(event["metadata"]) is dict):
        return False
    check = _EVENT_CHECKS.get(event["event"])
    return check is not None and bool(check(event))


def _plainly_valid(result: Any) -> bool:
    """True only for replies the schema accepts, built of plain JSON types and common events.

    False means "ask jsonschema", not "invalid": anything unusual is left to it, so its answer
    and its error stay exactly Rasa's.
    """
    if type(result) is not dict:
        return False
    events, responses = result.get("events", []), result.get("responses", [])
    return (
        type(events) is list
        and type(responses) is list
        and all(type(response) is dict for response in responses)
        and all(_plainly_valid_event(event) for event in events)
    )


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    if _plainly_valid(result):
        return True
    # As jsonschema.validate raises (Rasa's call): the best match of the errors, not the first.
    error = best_match(_action_result_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}"
            "/custom-actions"
        )
        raise error
    return True


def _with_quick_polling(lock: Any) -> Any:
    @functools.wraps(lock)
    def quick(
        self: Any,
        conversation_id: str,
        lock_lifetime: float = lock_store.LOCK_LIFETIME,
        wait_time_in_seconds: float = LOCK_POLL_SECONDS,
    ) -> Any:
        return lock(self, conversation_id, lock_lifetime, min(wait_time_in_seconds, LOCK_POLL_SECONDS))

    return quick


class _Domain:
    """Whether the next action call should carry the domain (rasa-sdk has not got it yet)."""

    needed = True


# What an earlier message's understanding keeps for the action server: its intent, entities and,
# for a question, which answer it got (actions/topics.py `last_topic`). The rest (each answer's
# whole text, the rankings, the tokens) was about a third of every action call's bytes.
_KEPT_PARSE = ("intent", "entities", "text", "message_id", "metadata")
_KEPT_SELECTION = ("intent_response_key", "utter_action", "confidence")


def _selection(found: Any) -> Any:
    if not isinstance(found, dict):
        return found
    response = found.get("response") or {}
    return {"response": {key: response[key] for key in _KEPT_SELECTION if key in response}}


def _lighter_parse(parse: dict[str, Any]) -> dict[str, Any]:
    lighter = {key: parse[key] for key in _KEPT_PARSE if key in parse}
    selector = parse.get("response_selector")
    if isinstance(selector, dict):
        lighter["response_selector"] = {name: _selection(found) for name, found in selector.items()}
    return lighter


def _lighter(events: list[Any]) -> list[Any]:
    """The events for an action call, each user message but the last without what no action reads.

    New dicts: the events' own dicts (shared with the tracker) are not changed. The last user
    message, and the tracker's `latest_message`, go whole."""
    users = [
        index
        for index, event in enumerate(events)
        if isinstance(event, dict) and event.get("event") == "user"
    ]
    if len(users) < 2:
        return events
    lighter = list(events)
    for index in users[:-1]:
        parse = events[index].get("parse_data")
        if isinstance(parse, dict):
            lighter[index] = {**events[index], "parse_data": _lighter_parse(parse)}
    return lighter


def _with_recent_events(call_format: Any) -> Any:
    @functools.wraps(call_format)
    def recent(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
        request: dict[str, Any] = call_format(self, tracker, domain)
        events = request["tracker"].get("events")
        if isinstance(events, list):
            request["tracker"]["events"] = _lighter(events[-ACTION_EVENTS:])
        if _Domain.needed and "domain" not in request:
            request["domain"] = domain.as_dict()
        _Domain.needed = False
        return request

    return recent


def _retrying_without_domain(run: Any) -> Any:
    @functools.wraps(run)
    async def retrying(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        try:
            return await run(self, *args, **kwargs)
        except RasaException as error:
            if not (isinstance(error.__cause__, ClientResponseError) and error.__cause__.status == 449):
                raise
            _Domain.needed = True
            return await run(self, *args, **kwargs)

    return retrying


def json_dumps(value: Any) -> str:
    """`json.dumps(value)`'s JSON value, by ujson (Rasa's dependency): a third of the time.

    The text differs only in spacing, and ujson's escaping of "/" is off. Whatever ujson cannot
    encode (a set, bytes, an integer beyond 64 bits...) goes to json.dumps, which encodes it or
    raises its own error, as before. One difference: a dict key json.dumps refuses (a tuple,
    bytes) ujson writes as str(key); the dicts encoded here (tracker states, events) come from
    JSON and have none.
    """
    try:
        return ujson.dumps(value, escape_forward_slashes=False)
    except Exception:
        return json.dumps(value)


# One session per event loop, endpoint headers and credentials.
_SESSIONS: dict[tuple[int, tuple[tuple[str, str], ...], Any], aiohttp.ClientSession] = {}


class _KeptSession:
    """`async with endpoint.session()` without closing: the session outlives the request."""

    def __init__(self, endpoint: EndpointConfig) -> None:
        self._endpoint = endpoint

    async def __aenter__(self) -> aiohttp.ClientSession:
        endpoint = self._endpoint
        auth = None
        if endpoint.basic_auth:
            auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
        key = (id(asyncio.get_running_loop()), tuple(sorted((endpoint.headers or {}).items())), auth)
        session = _SESSIONS.get(key)
        if session is None or session.closed:
            session = aiohttp.ClientSession(
                headers=endpoint.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS),
                json_serialize=json_dumps,
            )
            _SESSIONS[key] = session
        return session

    async def __aexit__(self, *exc: object) -> None:
        return None


def _kept_session(self: EndpointConfig) -> Any:
    return _KeptSession(self)


_EVENT_CLASSES: dict[str, type[Event]] = {}


def _resolving_by_type_once(original: staticmethod) -> staticmethod:  # type: ignore[type-arg]
    """`Event.resolve_by_type` that keeps the class it found for each event name.

    Only found classes are kept, so unknown names, "topic" and the default are answered by
    Rasa's own code every time, as before. Event classes are all defined when Rasa's modules
    load, before the first event is read, so the class kept is the one Rasa would find.
    """
    resolve = original.__func__

    @functools.wraps(resolve)
    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        known = _EVENT_CLASSES.get(type_name)
        if known is not None:
            return known
        found: type[Event] | None = resolve(type_name, default)
        if found is not None and found is not default and found.type_name == type_name:
            _EVENT_CLASSES[type_name] = found
        return found

    return staticmethod(resolve_by_type)
