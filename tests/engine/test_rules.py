"""engine/rules.py: the rules found to fit a conversation are the ones Rasa's RulePolicy finds."""

from __future__ import annotations

import json
import random
import unittest
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy

from engine import patches, rules
from tests.engine.support import start_from_rasa_as_shipped

ACTIONS = [
    "action_listen",
    "utter_greet",
    "find_help_form",
    "action_nearest",
    "...",
    "action_default_fallback",
]
INTENTS = ["greet", "inform", "affirm", "deny", "stop", "faq"]
SLOTS = ["postcode", "need", "answered"]


def _state(rng: random.Random, start: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if not start:
        state["prev_action"] = rng.choice(
            [{"action_name": rng.choice(ACTIONS)}] * 6
            + [{"action_text": "hi"}, {"action_name": "should_not_be_set"}]
        )
    if rng.random() < 0.6:
        user: dict[str, Any] = {"intent": rng.choice(INTENTS)}
        if rng.random() < 0.3:
            user["entities"] = rng.choice([("postcode",), ("need",), ("need", "postcode")])
        state["user"] = user
    if rng.random() < 0.4:
        state["slots"] = {rng.choice(SLOTS): rng.choice([(1.0,), (0.0,), "should_not_be_set"])}
    if rng.random() < 0.3:
        state["active_loop"] = {"name": rng.choice(["find_help_form", "should_not_be_set"])}
    return state


def _rule(rng: random.Random) -> list[dict[str, Any]]:
    length = rng.randint(1, 5)
    return [_state(rng, start=index == 0 and rng.random() < 0.3) for index in range(length)]


def _lookup(rng: random.Random, count: int) -> dict[str, str]:
    return {json.dumps(_rule(rng), sort_keys=True): rng.choice(ACTIONS) for _ in range(count)}


def _conversation(rng: random.Random, lookup: dict[str, str]) -> list[dict[str, Any]]:
    """Random states, often ending in one of the rules (as JSON turns them: tuples as lists)."""
    states = [_state(rng, start=index == 0) for index in range(rng.randint(0, 12))]
    if lookup and rng.random() < 0.6:
        ending = json.loads(rng.choice(list(lookup)))
        for state in ending:
            for sub in state.values():
                for key, value in sub.items():
                    if isinstance(value, list):
                        sub[key] = tuple(value)
        states += ending
    return states


class RulesFound(unittest.TestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)
        self.original = RulePolicy._get_possible_keys
        patches.apply()

    def test_the_same_rules_as_rasa_finds(self) -> None:
        rng = random.Random(18)
        found = 0
        for _ in range(40):
            policy = RulePolicy.__new__(RulePolicy)  # the search uses no state of the policy's own
            lookup = _lookup(rng, rng.randint(0, 60))
            for _ in range(50):
                states = _conversation(rng, lookup)
                ours = rules.get_possible_keys(policy, lookup, states)
                self.assertEqual(ours, self.original(policy, lookup, states))
                found += bool(ours)
        self.assertGreater(found, 500)  # the comparison saw plenty of rules that fit

    def test_apply_puts_it_in_place(self) -> None:
        self.assertIs(RulePolicy._get_possible_keys, rules.get_possible_keys)


if __name__ == "__main__":
    unittest.main()
