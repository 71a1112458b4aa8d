"""RulePolicy's search for the rules that fit a conversation, without re-reading every rule.

`RulePolicy._get_possible_keys` goes back through every state of the conversation and, for each,
keeps the rules that still fit it; for every rule and every state it parses the rule back from
its JSON text (`_rule_key_to_state` is `json.loads`), and it goes on to the first state of the
conversation even when no rule is left, or when every rule left is shorter than the distance
already gone back (a rule that got that far fits, whatever came before it). That was about 6%
of the engine's busy time (docs/performance.md).

Here each rule is parsed once per policy and kept, and the search stops when its answer can no
longer change: no rule left, or every rule left already fits. Each rule is checked against each
state exactly as Rasa's `_is_rule_applicable` checks it, with Rasa's own
`_does_rule_match_state`, so the rules found are the same (tests/engine/test_rules.py compares
them with Rasa's on the project's own rules and generated conversations).
"""

from __future__ import annotations

import json
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import State

_PARSED = "_getonline_rules_parsed"


def _reversed_rule(policy: RulePolicy, rule_key: str) -> list[State]:
    """The rule's states, last first, parsed once for this policy."""
    parsed: dict[str, list[State]] = policy.__dict__.setdefault(_PARSED, {})
    states = parsed.get(rule_key)
    if states is None:
        states = parsed[rule_key] = list(reversed(json.loads(rule_key)))
    return states


def _fits(rule_states: list[State], turn_index: int, conversation_state: State) -> bool:
    """Rasa 3.6's `RulePolicy._is_rule_applicable`, given the rule already parsed and reversed."""
    if turn_index >= len(rule_states):
        return True
    current_previous_action = conversation_state.get(PREVIOUS_ACTION)
    rule_previous_action = rule_states[turn_index].get(PREVIOUS_ACTION)
    if not rule_previous_action and not current_previous_action:
        return True
    if not rule_previous_action or not current_previous_action:
        return False
    return bool(RulePolicy._does_rule_match_state(rule_states[turn_index], conversation_state))


def get_possible_keys(self: RulePolicy, lookup: dict[str, Any], states: list[State]) -> set[str]:
    """`RulePolicy._get_possible_keys`, stopping when the answer can no longer change."""
    rules = {key: _reversed_rule(self, key) for key in lookup}
    possible = set(rules)
    longest = max((len(rule) for rule in rules.values()), default=0)
    for index, state in enumerate(reversed(states)):
        if index >= longest:  # no rule left, or every one left got this far: they all fit
            break
        possible = {key for key in possible if _fits(rules[key], index, state)}
        longest = max((len(rules[key]) for key in possible), default=0)
    return possible


def replacing_get_possible_keys(_original: Any) -> Any:
    return get_possible_keys
