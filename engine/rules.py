"""RulePolicy's search for the rules that fit a conversation, without re-reading every rule.

`RulePolicy._get_possible_keys` goes back through every state of the conversation and, for each,
keeps the rules that still fit it; for every rule and every state it parses the rule back from
its JSON text (`_rule_key_to_state` is `json.loads`), and it goes on to the first state of the
conversation even when no rule is left, or when every rule left is shorter than the distance
already gone back (a rule that got that far fits, whatever came before it). That was about 6%
of the engine's busy time (docs/performance.md).

Here each rule is parsed once per policy and kept, grouped by the action its last state follows,
so the conversation's last state is checked only against the rules that follow the same action
(and the few not grouped); and the search stops when its answer can no longer change: no rule
left, or every rule left already fits. Each rule is checked against each
state exactly as Rasa's `_is_rule_applicable` checks it, with Rasa's own
`_does_rule_match_state`, so the rules found are the same (tests/engine/test_rules.py compares
them with Rasa's on the project's own rules and generated conversations).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
from rasa.shared.core.domain import State
from rasa.shared.nlu.constants import ACTION_NAME

_INDEX = "_getonline_rules_index"


@dataclass
class _Index:
    """A policy's rules, parsed, and grouped by the action their last state follows."""

    lookup: dict[str, Any]  # the policy's lookup these were made from (kept: its id stays its own)
    size: int
    rules: dict[str, list[State]]  # each rule's states, last first
    after: dict[str, set[str]]  # the rules whose last state follows this action
    others: set[str]  # the rest: checked against every conversation


def _index(policy: RulePolicy, lookup: dict[str, Any]) -> _Index:
    indexes: dict[int, _Index] = policy.__dict__.setdefault(_INDEX, {})
    index = indexes.get(id(lookup))
    if index is not None and index.lookup is lookup and index.size == len(lookup):
        return index
    index = _Index(lookup, len(lookup), {}, {}, set())
    for key in lookup:
        states = index.rules[key] = list(reversed(json.loads(key)))
        action = (states[0].get(PREVIOUS_ACTION) or {}) if states else {}
        name = action.get(ACTION_NAME)
        if set(action) == {ACTION_NAME} and isinstance(name, str) and name and name != SHOULD_NOT_BE_SET:
            index.after.setdefault(name, set()).add(key)
        else:
            index.others.add(key)
    indexes[id(lookup)] = index
    return index


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
    index = _index(self, lookup)
    rules = index.rules
    if not states:
        return set(rules)
    # The last state first: a rule whose last state follows another action than the
    # conversation's last one cannot fit (Rasa's check compares the two names), so only the
    # rules that follow the same action, and those not grouped, are checked.
    last = states[-1]
    named = (last.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
    candidates = index.others | index.after.get(named, set()) if isinstance(named, str) else index.others
    possible = {key for key in candidates if _fits(rules[key], 0, last)}
    longest = max((len(rules[key]) for key in possible), default=0)
    for turn, state in enumerate(reversed(states[:-1]), start=1):
        if turn >= longest:  # no rule left, or every one left got this far: they all fit
            break
        possible = {key for key in possible if _fits(rules[key], turn, state)}
        longest = max((len(rules[key]) for key in possible), default=0)
    return possible


def replacing_get_possible_keys(_original: Any) -> Any:
    return get_possible_keys
