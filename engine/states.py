"""A conversation's dialogue states, carried on from the last prediction instead of rebuilt.

Rasa's policies see a conversation as a list of states, one per action taken. At every
prediction (three or four a turn, for each of the policies) Rasa 3.6 rebuilds that list from the
first event: `DialogueStateTracker.applied_events` folds every event (dropping reverted turns and
the inner steps of a form), `Domain.states_for_tracker_history` replays those into a fresh tracker
and takes a state before each action. A quarter of the engine's busy time went there, growing
with the length of the conversation (docs/performance.md).

Both are folds over the events, in order, so what was computed for the events seen at the last
prediction still holds when the same events start the list again. Here each keeps, per
conversation, what it computed and the events it computed it from, and goes on from there:
- **Which events**: "the same events" means the same event objects, compared by identity
  (`is`), not by value. The tracker store keeps a conversation's tracker, and so its event
  objects, between turns (engine/tracker_store.py), and this cache holds references to them, so
  an object is never replaced by another with the same id. A conversation read afresh (another
  replica took the turn, a restart, a new session) has new objects and is computed from the
  start, as is anything when the events no longer begin with the ones kept.
- **Applied events**: the fold goes on from the kept result, unless a new event names a form
  not named before (the fold asks, for every action, whether it is a form named anywhere in the
  conversation), which starts it again.
- **States**: the events applied can lose their tail (a form's next step removes its earlier
  steps), so the states are kept with where each was taken, and the work goes on from the
  longest common start: the states taken before it are kept, the replay tracker is rebuilt by
  replaying that start (cheap beside taking states), or reused when nothing was lost.
- **What the caller gets** is a copy: the lists and every dict in them are new, shared where
  Rasa's would be shared (a state's previous action or user input is the same dict as an
  earlier one's), so a policy that edits what it got (the featurizer removes the last input's
  text or intent) changes nothing kept.
- Only event types whose effect on the replay tracker is known are carried on; any other sends
  that conversation back to Rasa's own code, uncached.
The results are equal to Rasa's own: tests/engine/test_states.py compares them on recorded and
generated conversations, and bench/replay.py compares every decision of 70 conversations.

Kept per conversation, at most MAX_CONVERSATIONS of them (the least recently used go first);
"forget me" drops a conversation's entries with the tracker store's (engine/channel.py). Nothing
here outlives the process or is shared with another replica.
"""

from __future__ import annotations

import copy
import functools
import json
import operator
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core import constants
from rasa.shared.core import events as rasa_events
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

MAX_CONVERSATIONS = 100

# Event types whose replay changes only the replay tracker's own attributes (or, for the last
# two, the latest user message's featurisation and entities, which Rasa applies before the next
# action, so no state kept was taken from the message before it). Others are left to Rasa.
CARRIED_ON = frozenset(
    {
        rasa_events.ActionExecuted,
        rasa_events.ActionExecutionRejected,
        rasa_events.ActiveLoop,
        rasa_events.AgentUttered,
        rasa_events.AllSlotsReset,
        rasa_events.BotUttered,
        rasa_events.ConversationPaused,
        rasa_events.ConversationResumed,
        rasa_events.FollowupAction,
        rasa_events.LoopInterrupted,
        rasa_events.ReminderCancelled,
        rasa_events.ReminderScheduled,
        rasa_events.SlotSet,
        rasa_events.UserUttered,
        rasa_events.DefinePrevUserUtteredFeaturization,
        rasa_events.EntitiesAdded,
    }
)


class _Kept(OrderedDict[Any, Any]):
    """Least recently used first, at most `limit` entries."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


_APPLIED: _Kept = _Kept(MAX_CONVERSATIONS)
_STATES: _Kept = _Kept(MAX_CONVERSATIONS * 4)  # up to four kinds of states a conversation


def forget(sender_id: str) -> None:
    """Drop everything kept for a conversation ("forget me")."""
    _APPLIED.pop(sender_id, None)
    for key in [key for key in _STATES if key[0] == sender_id]:
        del _STATES[key]


def clear() -> None:
    _APPLIED.clear()
    _STATES.clear()


def _common_start(kept: list[Event], events: list[Event]) -> int:
    """How many events at the start of both lists are the same objects."""
    if len(kept) <= len(events) and all(map(operator.is_, kept, events)):
        return len(kept)
    count = 0
    for mine, theirs in zip(kept, events, strict=False):
        if mine is not theirs:
            break
        count += 1
    return count


# --- applied events ---------------------------------------------------------------------------
@dataclass
class _Applied:
    events: list[Event]  # the tracker's events the fold went through (references keep their ids)
    loop_names: frozenset[str]  # the forms named anywhere in them
    applied: list[Event]


def _loop_names(events: Iterable[Event]) -> frozenset[str]:
    return frozenset(event.name for event in events if isinstance(event, ActiveLoop) and event.name)


def _fold(
    tracker: DialogueStateTracker, events: Iterable[Event], loop_names: frozenset[str], applied: list[Event]
) -> None:
    """The loop of Rasa 3.6's `DialogueStateTracker.applied_events`, going on from `applied`."""
    for event in events:
        if isinstance(event, (rasa_events.Restarted, rasa_events.SessionStarted)):
            applied.clear()
        elif isinstance(event, rasa_events.ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, rasa_events.UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


def applied_events(self: DialogueStateTracker) -> list[Event]:
    """`DialogueStateTracker.applied_events`, going on from the last result for the same events."""
    events = list(self.events)
    kept: _Applied | None = _APPLIED.get(self.sender_id)
    if kept is not None and _common_start(kept.events, events) == len(kept.events):
        new = events[len(kept.events) :]
        if _loop_names(new) <= kept.loop_names:
            applied = list(kept.applied)
            _fold(self, new, kept.loop_names, applied)
            _APPLIED.put(self.sender_id, _Applied(events, kept.loop_names, list(applied)))
            return applied
    loop_names = _loop_names(events)
    applied = []
    _fold(self, events, loop_names, applied)
    _APPLIED.put(self.sender_id, _Applied(events, loop_names, list(applied)))
    return applied


def replacing_applied_events(_original: Callable[..., Any]) -> Callable[..., Any]:
    return applied_events


# --- states -----------------------------------------------------------------------------------
@dataclass
class _Taken:
    """One state taken (or skipped, a hidden rule turn) before the action at `at`."""

    at: int  # index in the applied events
    states: int  # how many states there were after it
    last_ml: dict[str, str] | None  # Rasa's loop variables after it
    hidden: bool


@dataclass
class _States:
    domain: Domain
    rule_only_data: dict[str, Any] | None
    applied: list[Event]
    replay: DialogueStateTracker  # the applied events replayed into a fresh tracker
    states: list[State] = field(default_factory=list)
    taken: list[_Taken] = field(default_factory=list)
    # The state after the last event (none for a hidden rule turn), and for how many applied
    # events it was taken: a policy often asks twice with nothing new in between.
    last: list[State] = field(default_factory=list)
    last_for: int = -1


def _take(
    domain: Domain,
    replay: DialogueStateTracker,
    hide_rule_turn: bool,
    states: list[State],
    last_ml: dict[str, str] | None,
    hidden: bool,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
) -> tuple[dict[str, str] | None, bool]:
    """One step of the loop of Rasa 3.6's `Domain.states_for_tracker_history`, as it is there."""
    if ignore_rule_only_turns:
        if not hidden:
            last_ml = domain._get_prev_action_sub_state(replay)
        if not replay.followup_action and replay.latest_action_name != replay.active_loop_name:
            hidden = hide_rule_turn
        if hidden:
            return last_ml, hidden
    state = domain.get_active_state(replay, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if last_ml:
            state[constants.PREVIOUS_ACTION] = last_ml  # type: ignore[assignment]
    states.append(domain._clean_state(state))
    return last_ml, hidden


def _copied(states: list[State]) -> list[State]:
    """New states and new inner dicts, shared between states exactly as in `states`."""
    copies: dict[int, dict[str, Any]] = {}
    out: list[State] = []
    for state in states:
        new: State = {}
        for kind, sub_state in state.items():
            twin = copies.get(id(sub_state))
            if twin is None:
                twin = copies[id(sub_state)] = dict(sub_state)
            new[kind] = twin
        out.append(new)
    return out


def _resume(kept: _States | None, applied: list[Event], tracker: DialogueStateTracker) -> _States:
    """What is kept, cut back to the longest start it shares with `applied`."""
    assert kept is not None
    common = _common_start(kept.applied, applied)
    if common == len(kept.applied):
        return kept
    taken = [step for step in kept.taken if step.at < common]
    replay = tracker.init_copy()
    for event in applied[:common]:
        replay.update(event)
    states = kept.states[: taken[-1].states] if taken else []
    return _States(kept.domain, kept.rule_only_data, applied[:common], replay, states, taken)


_RULE_ONLY_KEYS: dict[int, tuple[Any, str]] = {}


def _rule_only_key(rule_only_data: dict[str, Any] | None) -> str:
    """The policies ask with their own rule-only slots and forms: each kind is kept apart.

    A policy passes the same dict every time, so its text is kept by the dict's identity (with
    the dict, so that the identity is not reused). Were the dict changed in place, the text would
    be stale, but the states kept are also checked against a copy of the dict they were taken
    with (`states_for_tracker_history`), so they would be taken afresh."""
    known = _RULE_ONLY_KEYS.get(id(rule_only_data))
    if known is not None and known[0] is rule_only_data:
        return known[1]
    text = json.dumps(rule_only_data, sort_keys=True, default=str)
    if len(_RULE_ONLY_KEYS) > 64:
        _RULE_ONLY_KEYS.clear()
    _RULE_ONLY_KEYS[id(rule_only_data)] = (rule_only_data, text)
    return text


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """`Domain.states_for_tracker_history`, going on from the states kept for the same events."""
    applied = tracker.applied_events()
    key = (tracker.sender_id, omit_unset_slots, ignore_rule_only_turns, _rule_only_key(rule_only_data))
    kept: _States | None = _STATES.pop(key, None)
    if (
        kept is None
        or kept.domain is not self
        or kept.rule_only_data != rule_only_data
        or type(kept.replay) is not type(tracker)
    ):
        kept = _States(self, copy.deepcopy(rule_only_data), [], tracker.init_copy())
    else:
        kept = _resume(kept, applied, tracker)
    last_ml, hidden = (kept.taken[-1].last_ml, kept.taken[-1].hidden) if kept.taken else (None, False)
    for index in range(len(kept.applied), len(applied)):
        event = applied[index]
        if type(event) not in CARRIED_ON:
            return _ORIGINAL_STATES(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        if isinstance(event, ActionExecuted):
            last_ml, hidden = _take(
                self, kept.replay, event.hide_rule_turn, kept.states, last_ml, hidden,
                omit_unset_slots, ignore_rule_only_turns, rule_only_data,
            )  # fmt: skip
            kept.taken.append(_Taken(index, len(kept.states), last_ml, hidden))
        kept.replay.update(event)
        kept.applied.append(event)
    _STATES.put(key, kept)
    # The state after the last event: kept only until the next event, which changes it.
    if kept.last_for != len(kept.applied):
        states = list(kept.states)
        _take(
            self, kept.replay, False, states, last_ml, hidden, omit_unset_slots, ignore_rule_only_turns,
            rule_only_data,
        )  # fmt: skip
        kept.last, kept.last_for = states[len(kept.states) :], len(kept.applied)
    return _copied(kept.states + kept.last)


_ORIGINAL_STATES: Callable[..., list[State]] = Domain.states_for_tracker_history


def replacing_states_for_tracker_history(original: Callable[..., list[State]]) -> Callable[..., list[State]]:
    global _ORIGINAL_STATES
    _ORIGINAL_STATES = original

    @functools.wraps(original)
    def replacement(*args: Any, **kwargs: Any) -> list[State]:
        return states_for_tracker_history(*args, **kwargs)

    return replacement
