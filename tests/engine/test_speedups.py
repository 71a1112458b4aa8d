"""Each replacement from engine/speedups.py, once applied, does what Rasa did, faster."""

from __future__ import annotations

import copy
import json
import random
import unittest
from typing import Any
from unittest import mock

import aiohttp
import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.lock_store import InMemoryLockStore, TicketLock
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from engine import patches, slot_copy, speedups
from tests.engine.support import start_from_rasa_as_shipped

VALID_REPLIES: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "postcode", "value": "LS9 7BG"}], "responses": [{"text": "Hi"}]},
    {"events": [{"event": "followup", "name": "action_listen"}]},
    {},
]
INVALID_REPLIES: list[dict[str, Any]] = [
    {"events": "not a list"},
    {"responses": [1, 2]},
    {"events": [{"event": "slot", "name": 3}]},
    {"events": [{"event": "no_such_event"}]},
]


COMMON_REPLY: dict[str, Any] = {
    "events": [
        {"event": "slot", "timestamp": None, "name": "need", "value": {"kind": ["wifi"]}},
        {"event": "active_loop", "name": "help_form", "timestamp": 1.5},
        {"event": "bot", "text": "Hi", "data": {"buttons": []}, "metadata": {"utter_action": "utter_hi"}},
        {
            "event": "action",
            "name": "action_listen",
            "policy": None,
            "confidence": 1,
            "hide_rule_turn": False,
        },
        {"event": "followup", "name": "action_listen"},
        {"event": "reset_slots"},
    ],
    "responses": [{"text": "Hello", "buttons": [{"title": "a", "payload": "/b"}]}, {"response": "utter_x"}],
}
# Values of every JSON type and a few Python ones that are not JSON, for the fields of a reply.
ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -3,
    1.0,
    2.5,
    float("nan"),
    float("inf"),
    "",
    "x",
    "user",
    [],
    [1],
    {},
    {"a": 1},
    (1, 2),
    {1, 2},
    b"x",
    object(),
]
EVENT_NAMES = [
    "action",
    "slot",
    "bot",
    "active_loop",
    "followup",
    "reset_slots",
    "user",
    "entities",
    "form",
    "session_started",
    "restart",
    "undo",
    "rewind",
    "pause",
    "resume",
    "export",
    "reminder",
    "cancel_reminder",
    "agent",
    "form_validation",
    "loop_interrupted",
    "user_featurization",
    "action_execution_rejected",
    "no_such_event",
    "",
]
FIELDS = [
    "event",
    "timestamp",
    "metadata",
    "name",
    "value",
    "policy",
    "confidence",
    "hide_rule_turn",
    "action_text",
    "text",
    "data",
    "entities",
    "parse_data",
    "input_channel",
]


def random_event(rng: random.Random) -> Any:
    if rng.random() < 0.03:
        return rng.choice(ODD_VALUES)
    event: dict[Any, Any] = dict(rng.choice(COMMON_REPLY["events"]))
    event["event"] = rng.choice(EVENT_NAMES) if rng.random() < 0.5 else event["event"]
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        field = rng.choice(FIELDS)
        if rng.random() < 0.3:
            event.pop(field, None)
        else:
            event[field] = rng.choice([*ODD_VALUES, "action_listen", 0.7])
    return event


def random_replies(count: int) -> list[Any]:
    rng = random.Random(18)
    replies: list[Any] = []
    for _ in range(count):
        reply: Any = {}
        if rng.random() < 0.9:
            reply["events"] = [random_event(rng) for _ in range(rng.randint(0, 5))]
        if rng.random() < 0.7:
            reply["responses"] = [
                rng.choice([{"text": "hi"}, {}, {"custom": {"a": 1}}] if rng.random() < 0.95 else ODD_VALUES)
                for _ in range(rng.randint(0, 3))
            ]
        if rng.random() < 0.05:
            reply[rng.choice(["events", "responses"])] = rng.choice(ODD_VALUES)
        if rng.random() < 0.02:
            reply = rng.choice(ODD_VALUES)
        replies.append(reply)
    return replies


def conversation(turns: int) -> DialogueStateTracker:
    events = []
    for turn in range(turns):
        events += [UserUttered(f"message {turn}", {"name": "greet"}), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("resident", events)


def action(selective_domain: bool = True) -> RemoteAction:
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook", enable_selective_domain=selective_domain)
    return RemoteAction("action_find_help", endpoint)


class ValidatorTest(unittest.TestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)
        patches.apply()

    def test_accepts_and_rejects_the_replies_jsonschema_does(self) -> None:
        schema = RemoteAction.action_response_format_spec()
        for reply in VALID_REPLIES:
            jsonschema.validate(reply, schema)
            self.assertTrue(action()._validate_action_result(reply), reply)
        for reply in INVALID_REPLIES:
            with self.assertRaises(jsonschema.ValidationError):
                jsonschema.validate(reply, schema)
            with self.assertRaises(jsonschema.ValidationError) as rejected:
                action()._validate_action_result(reply)
            self.assertIn("Failed to validate Action server response", rejected.exception.message)

    def test_the_quick_check_accepts_only_what_jsonschema_accepts(self) -> None:
        validator = speedups._action_result_validator()
        accepted = rejected_checked = 0
        for reply in random_replies(4000):
            if speedups._plainly_valid(reply):
                accepted += 1
                self.assertTrue(validator.is_valid(reply), reply)
                self.assertTrue(action()._validate_action_result(reply))
            elif rejected_checked < 200 and not validator.is_valid(reply):
                rejected_checked += 1  # Rasa's call checks the schema every time: slow
                with self.assertRaises(jsonschema.ValidationError) as rejected:
                    action()._validate_action_result(reply)
                with self.assertRaises(jsonschema.ValidationError) as rasas:
                    jsonschema.validate(reply, RemoteAction.action_response_format_spec())
                self.assertEqual(
                    rejected.exception.message.split(". Failed to validate")[0], rasas.exception.message
                )
        self.assertGreater(accepted, 500)  # the common replies do take the quick way
        self.assertEqual(rejected_checked, 200)

    def test_the_replies_of_our_actions_take_the_quick_way(self) -> None:
        for reply in [*VALID_REPLIES[:3], COMMON_REPLY]:
            self.assertTrue(speedups._plainly_valid(reply), reply)

    def test_the_validator_is_built_once(self) -> None:
        self.assertIs(speedups._action_result_validator(), speedups._action_result_validator())


class RecordingLockStore(InMemoryLockStore):
    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_seconds: float) -> TicketLock:
        self.waits.append(wait_seconds)
        return await super()._acquire_lock(conversation_id, ticket, wait_seconds)


class LockTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)

    async def test_a_waiting_turn_polls_every_50_ms_not_every_second(self) -> None:
        store = RecordingLockStore()
        async with store.lock("resident"):
            pass
        self.assertEqual(store.waits, [1], "Rasa as shipped polls once a second")
        patches.apply()
        store = RecordingLockStore()
        async with store.lock("resident"):
            pass
        async with store.lock("resident", wait_time_in_seconds=5):
            pass
        async with store.lock("resident", wait_time_in_seconds=0.01):
            pass
        self.assertEqual(store.waits, [speedups.LOCK_POLL_SECONDS, speedups.LOCK_POLL_SECONDS, 0.01])
        self.assertEqual(speedups.LOCK_POLL_SECONDS, 0.05)


class ActionCallTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)
        patches.apply()

    def test_an_action_gets_the_last_50_events(self) -> None:
        tracker = conversation(turns=60)  # 120 events, and the session's start
        everything = tracker.current_state(EventVerbosity.ALL)["events"]
        sent = action()._action_call_format(tracker, Domain.empty())["tracker"]["events"]
        self.assertGreater(len(everything), speedups.ACTION_EVENTS)
        self.assertEqual(speedups.ACTION_EVENTS, 50)
        self.assertEqual(len(sent), 50)
        self.assertEqual(sent, everything[-50:])

    def test_a_short_conversation_is_sent_whole(self) -> None:
        tracker = conversation(turns=3)
        sent = action()._action_call_format(tracker, Domain.empty())["tracker"]["events"]
        self.assertEqual(sent, tracker.current_state(EventVerbosity.ALL)["events"])

    def test_the_domain_goes_with_the_first_call_only(self) -> None:
        remote, tracker = action(selective_domain=True), conversation(turns=1)
        self.assertIn("domain", remote._action_call_format(tracker, Domain.empty()))
        self.assertNotIn("domain", remote._action_call_format(tracker, Domain.empty()))

    async def test_a_449_is_retried_once_with_the_domain(self) -> None:
        remote, sent = action(), []

        async def request(**kwargs: Any) -> dict[str, Any]:
            sent.append(kwargs["json"])
            if len(sent) == 2:
                raise ClientResponseError(449, "Domain not provided", "")
            return {"events": [{"event": "slot", "name": "need", "value": "wifi"}], "responses": []}

        tracker = conversation(turns=1)
        with mock.patch.object(remote.action_endpoint, "request", side_effect=request):
            await remote.run(CollectingOutputChannel(), None, tracker, Domain.empty())  # type: ignore[arg-type]
            self.assertEqual(["domain" in body for body in sent], [True])
            events = await remote.run(CollectingOutputChannel(), None, tracker, Domain.empty())  # type: ignore[arg-type]
        self.assertEqual(["domain" in body for body in sent], [True, False, True])
        self.assertEqual([event.as_dict()["value"] for event in events], ["wifi"])

    async def test_other_errors_are_not_retried(self) -> None:
        remote, calls = action(), []

        async def request(**kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs)
            raise ClientResponseError(500, "Internal Server Error", "")

        with (
            mock.patch.object(remote.action_endpoint, "request", side_effect=request),
            self.assertRaises(RasaException),
        ):
            await remote.run(CollectingOutputChannel(), None, conversation(turns=1), Domain.empty())  # type: ignore[arg-type]
        self.assertEqual(len(calls), 1)


class SessionTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)
        patches.apply()

    async def test_one_session_is_kept_for_every_call(self) -> None:
        endpoint = EndpointConfig("http://127.0.0.1:9/webhook")
        async with endpoint.session() as first:
            pass
        async with endpoint.session() as second:
            pass
        self.assertIs(first, second)
        self.assertFalse(first.closed, "the session outlives the request")
        self.assertIsInstance(first.connector, aiohttp.TCPConnector)
        keepalive = getattr(first.connector, "_keepalive_timeout", None)
        self.assertEqual(keepalive, speedups.IDLE_CONNECTION_SECONDS)
        await first.close()
        async with endpoint.session() as third:
            self.assertIsNot(third, first, "a closed session is replaced")
        await third.close()

    async def test_the_session_encodes_json_with_ujson(self) -> None:
        async with EndpointConfig("http://127.0.0.1:9/webhook").session() as session:
            self.assertIs(session._json_serialize, speedups.json_dumps)
        await session.close()


class JsonTest(unittest.TestCase):
    def assertSameJson(self, value: Any) -> None:
        canonical = json.dumps(json.loads(json.dumps(value)))
        self.assertEqual(json.dumps(json.loads(speedups.json_dumps(value))), canonical)

    def test_the_json_of_tracker_states_and_action_calls_is_json_dumps(self) -> None:
        domain = Domain.load("domain")
        for tracker in random_trackers(60):
            self.assertSameJson(tracker.current_state(EventVerbosity.ALL))
            self.assertSameJson(action()._action_call_format(tracker, domain))
            for event in tracker.events:
                self.assertSameJson(event.as_dict())

    def test_odd_values_are_encoded_or_refused_as_json_dumps_does(self) -> None:
        for value in [
            {1: "a", False: 2, None: 3, 1.5: 4, "k": [1e300, -0.0, 1e-7, 0.1, 123456789.12345679, 2**70]},
            ["a/b</script>", "é\u2028\u2029\ud800", "\x00\x1f", float("nan"), float("inf")],
            (1, 2),
        ]:
            self.assertSameJson(value)
        # (Keys json.dumps refuses, a tuple or bytes, ujson writes as str(key): no tracker state or
        # event has them, its dicts all come from JSON; so they are not compared here.)
        for odd in [{1, 2}, b"x", object(), [{"a": {3}}]]:
            with self.assertRaises(TypeError):
                json.dumps(odd)
            with self.assertRaises(TypeError):
                speedups.json_dumps(odd)


if __name__ == "__main__":
    unittest.main()


class EventClassTest(unittest.TestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)

    def test_every_event_name_resolves_to_the_class_rasa_finds(self) -> None:
        from rasa.shared.core.events import Event, UserUttered
        from rasa.shared.utils.common import all_subclasses

        names = sorted({klass.type_name for klass in all_subclasses(Event)})
        shipped = {name: Event.resolve_by_type(name) for name in names}
        patches.apply()
        self.assertEqual({name: Event.resolve_by_type(name) for name in names}, shipped)
        self.assertEqual({name: Event.resolve_by_type(name) for name in names}, shipped)  # kept
        self.assertIs(speedups._EVENT_CLASSES["user"], UserUttered)

    def test_unknown_names_are_answered_as_rasa_answers_them(self) -> None:
        from rasa.shared.core.events import Event, SlotSet

        patches.apply()
        with self.assertRaises(ValueError):
            Event.resolve_by_type("no_such_event")
        self.assertIs(Event.resolve_by_type("no_such_event", SlotSet), SlotSet)
        self.assertIsNone(Event.resolve_by_type("topic"))
        self.assertNotIn("no_such_event", speedups._EVENT_CLASSES)


def tracker_attributes(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything a tracker holds, its slots compared by their own attributes."""
    attributes = dict(vars(tracker))
    attributes["events"] = [event.as_dict() for event in tracker.events]
    attributes["slots"] = {name: (type(slot), vars(slot)) for name, slot in tracker.slots.items()}
    attributes["slot type"] = type(tracker.slots)
    for name in ("latest_message", "latest_bot_utterance"):
        event = getattr(tracker, name)
        # A fresh tracker's are UserUttered.empty() and BotUttered.empty(), stamped as made.
        attributes[name] = event and {
            **event.as_dict(),
            "timestamp": None if event.text is None else event.timestamp,
        }
    return attributes


def random_trackers(count: int) -> list[DialogueStateTracker]:
    """Conversations over the project's own domain: every slot set to values of every kind, loops
    started and ended, follow-ups, pauses, restarts, rewinds, session starts."""
    from rasa.shared.core.events import (
        ActionReverted,
        ActiveLoop,
        AllSlotsReset,
        BotUttered,
        ConversationPaused,
        ConversationResumed,
        FollowupAction,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
    )

    domain = Domain.load("domain")
    rng = random.Random(6)
    values: list[Any] = [None, True, False, 0, 3, 2.5, "", "wifi", "LS9 7BG", [1, "a"], {"a": {"b": 1}}]
    makers = [
        lambda: SlotSet(rng.choice(domain.slots).name, rng.choice(values)),
        lambda: SlotSet(rng.choice(domain.slots).name, rng.choice(values)),
        lambda: UserUttered(
            f"message {rng.random()}", {"name": rng.choice(domain.intents), "confidence": 0.5}
        ),
        lambda: ActionExecuted(rng.choice(domain.action_names_or_texts)),
        lambda: ActionExecuted("action_listen"),
        lambda: BotUttered("reply", {"buttons": []}),
        lambda: ActiveLoop(rng.choice([None, *domain.form_names])),
        lambda: FollowupAction("action_listen"),
        lambda: rng.choice([ConversationPaused(), ConversationResumed(), Restarted(), AllSlotsReset()]),
        lambda: rng.choice([UserUtteranceReverted(), ActionReverted(), SessionStarted()]),
    ]
    trackers = []
    for number in range(count):
        tracker = DialogueStateTracker(f"resident {number}", domain.slots, rng.choice([None, 20]))
        for _ in range(rng.randint(0, 60)):
            tracker.update(rng.choice(makers)())
        trackers.append(tracker)
    return trackers


class TrackerCopyTest(unittest.TestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)

    def test_copies_are_rasas(self) -> None:
        trackers = random_trackers(150)
        shipped = [
            (
                tracker_attributes(tracker.init_copy()),
                tracker_attributes(tracker.copy()),
                tracker.copy().current_state(),
            )
            for tracker in trackers
        ]
        patches.apply()
        for tracker, (init_copy, full_copy, state) in zip(trackers, shipped, strict=False):
            self.assertEqual(tracker_attributes(tracker.init_copy()), init_copy)
            self.assertEqual(tracker_attributes(tracker.copy()), full_copy)
            self.assertEqual(tracker.copy().current_state(), state)
            copied = tracker.init_copy()
            self.assertTrue(all(copied.slots[name] is not slot for name, slot in tracker.slots.items()))

    def test_slots_with_copy_hooks_are_copied_by_copy_copy(self) -> None:
        from rasa.shared.core.slots import TextSlot

        class Hooked(TextSlot):
            def __copy__(self) -> Hooked:
                return self

        patches.apply()
        hooked = Hooked("need", [])
        self.assertIs(copy.copy(hooked), hooked)
        self.assertFalse(slot_copy._plain(Hooked))
        self.assertTrue(slot_copy._plain(TextSlot))
