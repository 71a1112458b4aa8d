"""engine/states.py: the states carried on from the last prediction equal Rasa's rebuilt ones.

Conversations are generated at random from a small domain with two forms (every kind of event
the engine's conversations have, and the reverts, restarts and new sessions that cut them
back), grown one event at a time on one tracker, as a conversation grows in the engine; after
each event both Rasa's own methods and ours are asked, with every combination of options.
"""

from __future__ import annotations

import random
import unittest
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    StoryExported,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from engine import patches, states
from tests.engine.support import start_from_rasa_as_shipped

DOMAIN_YAML = """
version: "3.1"
intents: [greet, inform, affirm, deny, stop]
entities: [postcode, need]
slots:
  postcode:
    type: text
    mappings: [{type: from_entity, entity: postcode}]
  need:
    type: categorical
    values: [sight, hearing]
    mappings: [{type: from_entity, entity: need}]
  answered:
    type: bool
    influence_conversation: true
    mappings: [{type: custom}]
forms:
  help_form:
    required_slots: [postcode]
  check_form:
    required_slots: [answered]
actions: [action_nearest, validate_help_form]
responses:
  utter_greet: [{text: "hi"}]
  utter_ask_postcode: [{text: "postcode"}]
"""
ACTIONS = ["action_listen", "utter_greet", "action_nearest", "help_form", "check_form", "utter_ask_postcode"]
FORMS = ["help_form", "check_form"]
RULE_ONLY = [None, {"rule_only_slots": ["answered"], "rule_only_loops": ["check_form"]}]


def _user(rng: random.Random) -> UserUttered:
    entities = []
    if rng.random() < 0.3:
        entities.append({"entity": "postcode", "value": "LS1 1AA", "start": 0, "end": 7})
    if rng.random() < 0.2:
        entities.append({"entity": "need", "value": rng.choice(["sight", "hearing"]), "role": "r"})
    intent = rng.choice(["greet", "inform", "affirm", "deny", "stop"])
    return UserUttered("some words", {"name": intent, "confidence": 1.0}, entities)


def _event(rng: random.Random) -> Event:
    roll = rng.random()
    if roll < 0.35:
        return ActionExecuted(rng.choice(ACTIONS), hide_rule_turn=rng.random() < 0.3)
    if roll < 0.55:
        return _user(rng)
    choices: list[Any] = [
        lambda: SlotSet(
            rng.choice(["postcode", "need", "answered"]), rng.choice([None, "LS1", "sight", True])
        ),
        lambda: ActiveLoop(rng.choice([*FORMS, None])),
        lambda: ActionExecutionRejected(rng.choice(FORMS)),
        lambda: LoopInterrupted(rng.random() < 0.5),
        lambda: FollowupAction(rng.choice(ACTIONS)),
        lambda: DefinePrevUserUtteredFeaturization(rng.random() < 0.5),
        lambda: EntitiesAdded([{"entity": "need", "value": "hearing", "start": 0, "end": 1}]),
        lambda: BotUttered("hello"),
        lambda: UserUtteranceReverted(),
        lambda: ActionReverted(),
        lambda: SessionStarted() if rng.random() < 0.3 else BotUttered("x"),
        lambda: Restarted() if rng.random() < 0.3 else BotUttered("y"),
    ]
    return rng.choice(choices)()


def _form_turns(rng: random.Random) -> list[Event]:
    """A form's happy path: the shape whose earlier steps Rasa's fold removes."""
    form = rng.choice(FORMS)
    events: list[Event] = [ActionExecuted(form), ActiveLoop(form), ActionExecuted("action_listen")]
    for _ in range(rng.randint(1, 4)):
        events += [
            _user(rng),
            SlotSet("answered", True),
            ActionExecuted(form),
            ActionExecuted("action_listen"),
        ]
    if rng.random() < 0.5:
        events += [ActiveLoop(None), ActionExecuted("action_nearest")]
    return events


def _conversation(rng: random.Random) -> list[Event]:
    events: list[Event] = [ActionExecuted("action_listen")]
    while len(events) < rng.randint(10, 70):
        events += _form_turns(rng) if rng.random() < 0.2 else [_event(rng)]
    return events


def _shape(states_: list[Any]) -> list[list[tuple[str, int]]]:
    """Which inner dicts are the same object, as positions of their first appearance."""
    first: dict[int, int] = {}
    return [
        [(kind, first.setdefault(id(sub), len(first))) for kind, sub in sorted(state.items())]
        for state in states_
    ]


class StatesCarriedOn(unittest.TestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)
        self.domain = Domain.from_yaml(DOMAIN_YAML)
        self.original_states = Domain.states_for_tracker_history
        self.original_applied = DialogueStateTracker.applied_events
        patches.apply()
        states.clear()
        self.addCleanup(states.clear)

    def _rasa(self, tracker: DialogueStateTracker, **options: Any) -> list[Any]:
        # Rasa's own method, calling Rasa's own applied_events
        patched = DialogueStateTracker.applied_events
        DialogueStateTracker.applied_events = self.original_applied  # type: ignore[method-assign]
        try:
            result: list[Any] = self.original_states(self.domain, tracker, **options)
        finally:
            DialogueStateTracker.applied_events = patched  # type: ignore[method-assign]
        return result

    def _check(self, tracker: DialogueStateTracker) -> None:
        self.assertTrue(
            all(a is b for a, b in zip(tracker.applied_events(), self.original_applied(tracker), strict=True))
        )
        for omit in (False, True):
            for ignore in (False, True):
                for rule_only in RULE_ONLY:
                    options = {
                        "omit_unset_slots": omit,
                        "ignore_rule_only_turns": ignore,
                        "rule_only_data": rule_only,
                    }
                    ours = self.domain.states_for_tracker_history(tracker, **options)
                    rasas = self._rasa(tracker, **options)
                    self.assertEqual(ours, rasas, options)
                    self.assertEqual(_shape(ours), _shape(rasas), options)

    def test_equal_to_rasa_after_every_event_of_generated_conversations(self) -> None:
        rng = random.Random(18)
        for number in range(60):
            tracker = DialogueStateTracker(f"conversation-{number % 7}", self.domain.slots)
            for event in _conversation(rng):
                tracker.update(event, self.domain)
                self._check(tracker)

    def test_a_copy_of_the_tracker_and_one_read_afresh_give_the_same(self) -> None:
        rng = random.Random(3)
        tracker = DialogueStateTracker("one", self.domain.slots)
        for event in _conversation(rng) + _form_turns(rng):
            tracker.update(event, self.domain)
        self._check(tracker)
        self._check(tracker.copy())  # the same event objects
        self._check(
            DialogueStateTracker.from_dict(
                "one", [event.as_dict() for event in tracker.events], self.domain.slots
            )
        )
        self._check(tracker.travel_back_in_time(tracker.events[len(tracker.events) // 2].timestamp))

    def test_what_the_caller_changes_is_not_kept(self) -> None:
        tracker = DialogueStateTracker("edits", self.domain.slots)
        for event in _conversation(random.Random(5)):
            tracker.update(event, self.domain)
        first = self.domain.states_for_tracker_history(tracker, ignore_rule_only_turns=True)
        for state in first:
            for sub in state.values():
                sub.clear()  # type: ignore[attr-defined]
            state.clear()
        again = self.domain.states_for_tracker_history(tracker, ignore_rule_only_turns=True)
        self.assertEqual(again, self._rasa(tracker, ignore_rule_only_turns=True))
        self.assertTrue(any(again))

    def test_an_event_not_carried_on_is_left_to_rasa(self) -> None:
        tracker = DialogueStateTracker("exported", self.domain.slots)
        for event in [ActionExecuted("action_listen"), _user(random.Random(1)), StoryExported("/dev/null")]:
            tracker.events.append(event)  # StoryExported's own effect (writing a file) is not wanted here
        tracker.events.append(ActionExecuted("utter_greet"))
        self.assertEqual(self.domain.states_for_tracker_history(tracker), self._rasa(tracker))
        self.assertFalse([key for key in states._STATES if key[0] == "exported"])

    def test_forget_drops_the_conversation(self) -> None:
        tracker = DialogueStateTracker("forget-me", self.domain.slots)
        for event in _conversation(random.Random(9)):
            tracker.update(event, self.domain)
        self.domain.states_for_tracker_history(tracker)
        self.assertIn("forget-me", states._APPLIED)
        states.forget("forget-me")
        self.assertNotIn("forget-me", states._APPLIED)
        self.assertFalse([key for key in states._STATES if key[0] == "forget-me"])

    def test_at_most_so_many_conversations_are_kept(self) -> None:
        for number in range(states.MAX_CONVERSATIONS * 4):
            tracker = DialogueStateTracker(f"many-{number}", self.domain.slots)
            tracker.update(ActionExecuted("action_listen"))
            self.domain.states_for_tracker_history(tracker)
        self.assertLessEqual(len(states._STATES), states.MAX_CONVERSATIONS * 4)
        self.assertLessEqual(len(states._APPLIED), states.MAX_CONVERSATIONS)


if __name__ == "__main__":
    unittest.main()
