"""Every change this project makes to Rasa's internals, applied by one call at engine start.

Rasa 3.6 has no hooks for what engine/ changes (docs/performance.md says why each is worth it),
so engine/ replaces some of its methods and relies on some of its private names. They are all
listed here, in `TOUCHED`, with the reason; docs/architecture.md has the same list for readers.

`apply()` is called once, by the gateway channel as Rasa creates it (`GatewayInput.from_credentials`
in engine/channel.py): the first of our code that `rasa run` runs, before it loads the model, the
tracker store or the lock store. (The engine is started as `python -m engine run`, which first
installs engine/no_tensorflow.py's placeholders; that changes no Rasa attribute, so it is listed
here but not installed by `apply()`.) It refuses to start on any Rasa but the pinned one (internals
change without notice between releases), checks that every listed name is still there, and
installs the replacements. A second call changes nothing. Importing a module of engine/
changes nothing either.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import rasa.version
from rasa.shared.exceptions import RasaException

from engine import debug_copies, graph_runner, nlu_speedups, rules, slot_copy, speedups, states

PINNED_RASA = "3.6.21"  # requirements/engine.in; change it only after checking every entry below
MARK = "__getonline_patch__"  # set on each installed replacement: how `in_place` and `apply` know

How = Literal["replaced", "wrapped", "overridden", "called", "read", "added"]


@dataclass(frozen=True)
class Touch:
    """One Rasa symbol that engine/ depends on beyond Rasa's documented interface.

    The ones with `build` are installed by `apply()` (`build` makes the new attribute from the
    original); `apply()` checks that the others exist, except attributes that Rasa sets on its
    instances (`on_instances`), which a class does not show.
    """

    module: str
    owner: str  # a class in `module`, or "" for the module itself
    name: str
    how: How
    by: str  # where in engine/
    why: str
    build: Callable[[Any], Any] | None = None
    on_instances: bool = False

    @property
    def symbol(self) -> str:
        return ".".join(part for part in (self.module, self.owner, self.name) if part)

    def container(self) -> Any:
        module = importlib.import_module(self.module)
        return getattr(module, self.owner) if self.owner else module


_ACTION = "rasa.core.actions.action"
_STORE = "rasa.core.tracker_store"

TOUCHED: tuple[Touch, ...] = (
    Touch(
        _ACTION,
        "RemoteAction",
        "_validate_action_result",
        "replaced",
        "engine/speedups.py",
        "jsonschema.validate checked the schema itself on every action reply (37% of the engine's busy"
        " time); a validator built once gives the same answers in about 1 ms.",
        build=lambda _original: speedups._validate_action_result,
    ),
    Touch(
        _ACTION,
        "RemoteAction",
        "_action_call_format",
        "wrapped",
        "engine/speedups.py",
        "sends the action server only the last 50 events (actions read only the recent part), and the"
        " domain with the first call after a start, since selective domain is on (endpoints.yml).",
        build=speedups._with_recent_events,
    ),
    Touch(
        _ACTION,
        "RemoteAction",
        "run",
        "wrapped",
        "engine/speedups.py",
        "rasa-sdk answers 449 when it has no domain (restarted, or a new replica); Rasa 3.6 predates"
        " that answer, so the call is retried once with the domain.",
        build=speedups._retrying_without_domain,
    ),
    Touch(
        _ACTION,
        "RemoteAction",
        "action_response_format_spec",
        "called",
        "engine/speedups.py",
        "the schema of an action reply, which the validator built once is made from.",
    ),
    Touch(
        "rasa.core.lock_store",
        "LockStore",
        "lock",
        "wrapped",
        "engine/speedups.py",
        "a second message of a conversation polls for its lock every 50 ms, not every second.",
        build=speedups._with_quick_polling,
    ),
    Touch(
        "rasa.core.lock_store",
        "",
        "LOCK_LIFETIME",
        "read",
        "engine/speedups.py",
        "the lock's default lifetime, kept as Rasa sets it.",
    ),
    Touch(
        "rasa.utils.endpoints",
        "EndpointConfig",
        "session",
        "replaced",
        "engine/speedups.py",
        "one HTTP session per event loop, its connections kept 2 s between action calls, instead of a"
        " new session and TCP connection for every call.",
        build=lambda _original: speedups._kept_session,
    ),
    Touch(
        "rasa.utils.endpoints",
        "",
        "DEFAULT_REQUEST_TIMEOUT",
        "read",
        "engine/speedups.py",
        "the kept session times out as Rasa's own sessions do.",
    ),
    Touch(
        "rasa.shared.core.events",
        "Event",
        "resolve_by_type",
        "wrapped",
        "engine/speedups.py",
        "every event read walked all of Event's subclasses to find its class (3% of the engine's busy"
        " time); the class found for each event name is kept.",
        build=speedups._resolving_by_type_once,
    ),
    Touch(
        "rasa.shared.core.trackers",
        "DialogueStateTracker",
        "applied_events",
        "replaced",
        "engine/states.py",
        "every prediction folded every event of the conversation again (a tenth of the engine's busy"
        " time); the fold goes on from the last result for the same event objects.",
        build=states.replacing_applied_events,
    ),
    Touch(
        "rasa.shared.core.domain",
        "Domain",
        "states_for_tracker_history",
        "wrapped",
        "engine/states.py",
        "every prediction replayed the whole conversation to take its states (a sixth of the engine's"
        " busy time); the states taken for the same event objects are kept and the replay goes on from"
        " there. Rasa's own method still answers conversations with events it does not carry on.",
        build=states.replacing_states_for_tracker_history,
    ),
    *(
        Touch(
            "rasa.shared.core.trackers",
            "DialogueStateTracker",
            name,
            "called",
            "engine/states.py",
            "the applied-events fold calls Rasa's own steps, as Rasa's loop does.",
        )
        for name in (
            "_undo_till_previous_loop_execution",
            "_first_loop_execution_or_unhappy_path",
            "_undo_till_previous",
        )
    ),
    *(
        Touch(
            "rasa.shared.core.domain",
            "Domain",
            name,
            "called",
            "engine/states.py",
            "taking a state calls Rasa's own steps, as Rasa's loop does.",
        )
        for name in (
            "_get_prev_action_sub_state",
            "_remove_rule_only_features",
            "_substitute_rule_only_user_input",
            "_clean_state",
        )
    ),
    Touch(
        "rasa.core.policies.rule_policy",
        "RulePolicy",
        "_get_possible_keys",
        "replaced",
        "engine/rules.py",
        "the search for the rules that fit parsed every rule from JSON again for every state of the"
        " conversation, and went on to its first state (6% of the engine's busy time); each rule is"
        " parsed once, and the search stops when its answer can no longer change.",
        build=rules.replacing_get_possible_keys,
    ),
    Touch(
        "rasa.core.policies.rule_policy",
        "RulePolicy",
        "_does_rule_match_state",
        "called",
        "engine/rules.py",
        "a rule is matched against a state by Rasa's own check.",
    ),
    Touch(
        "rasa.shared.core.slots",
        "Slot",
        "__copy__",
        "added",
        "engine/slot_copy.py",
        "every tracker copies each slot with copy.copy, through __reduce_ex__ and copyreg (4% of the"
        " engine's busy time); the same copy (same class, shallow copy of its dict) made directly.",
        build=slot_copy.adding_slot_copy,
    ),
    *(
        Touch(
            module,
            "",
            "copy",
            "replaced",
            "engine/debug_copies.py",
            "its copy.deepcopy calls only snapshot values for debug log lines, evaluated even at INFO (3%"
            " of the engine's busy time, the three modules together); they copy only when debug lines"
            " are written.",
            build=debug_copies.replacing_copy_module,
        )
        for module in debug_copies.MODULES
    ),
    Touch(
        "rasa.engine.runner.dask",
        "DaskGraphRunner",
        "run",
        "replaced",
        "engine/graph_runner.py",
        "the model's small graph runs in plain order, not through dask's scheduler (a tenth of the"
        " engine's busy time); the same calls, results and errors.",
        build=lambda _original: graph_runner.run_in_order,
    ),
    Touch(
        "rasa.engine.runner.dask",
        "DaskGraphRunner",
        "__init__",
        "wrapped",
        "engine/graph_runner.py",
        "in the engine started without TensorFlow, a model with a component that needs it (DIET,"
        " TEDPolicy...) is refused as it loads, with a message saying why, instead of failing on a turn.",
        build=graph_runner.refusing_models_needing_tensorflow,
    ),
    Touch(
        "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer",
        "CountVectorsFeaturizer",
        "process",
        "replaced",
        "engine/nlu_speedups.py",
        "sklearn's CountVectorizer.transform built and checked scipy matrices for a few counts (6% of"
        " the engine's busy time); the same vocabulary look-up makes the same COO matrices directly.",
        build=nlu_speedups.count_vectors_process,
    ),
    Touch(
        "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer",
        "CountVectorsFeaturizer",
        "_get_processed_message_tokens_by_attribute",
        "called",
        "engine/nlu_speedups.py",
        "a message's tokens as the featurizer counts them (lower-cased, OOV token).",
    ),
    Touch(
        "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer",
        "CountVectorsFeaturizer",
        "_create_features",
        "called",
        "engine/nlu_speedups.py",
        "the featurizer's own counting, for a vectorizer that is not a plain fitted CountVectorizer.",
    ),
    Touch(
        "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer",
        "CountVectorsFeaturizer",
        "vectorizers",
        "read",
        "engine/nlu_speedups.py",
        "the fitted CountVectorizer of each attribute.",
        on_instances=True,
    ),
    Touch(
        "rasa.nlu.featurizers.sparse_featurizer.regex_featurizer",
        "RegexFeaturizer",
        "process",
        "replaced",
        "engine/nlu_speedups.py",
        "the gazetteer's lookup regex was tried alternative by alternative at every position (0.35 ms a"
        " message); grouped by first character it finds the same matches ten times faster.",
        build=nlu_speedups.regex_process,
    ),
    Touch(
        "rasa.nlu.featurizers.sparse_featurizer.regex_featurizer",
        "RegexFeaturizer",
        "known_patterns",
        "read",
        "engine/nlu_speedups.py",
        "the patterns the featurizer was trained with, and `case_sensitive`, how it matches them.",
        on_instances=True,
    ),
    Touch(
        "rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer",
        "LexicalSyntacticFeaturizer",
        "process",
        "replaced",
        "engine/nlu_speedups.py",
        "worked out each token's features once per window it is in, and scipy checked the matrix it"
        " made (1% of the engine's busy time); the same entries, each token's features worked out once.",
        build=nlu_speedups.lexical_process,
    ),
    Touch(
        "rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer",
        "LexicalSyntacticFeaturizer",
        "_extract_raw_features_from_token",
        "called",
        "engine/nlu_speedups.py",
        "a token's value of one feature, as Rasa works it out.",
    ),
    Touch(
        "rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer",
        "LexicalSyntacticFeaturizer",
        "_feature_to_idx_dict",
        "read",
        "engine/nlu_speedups.py",
        "the trained column of each feature value, with `_feature_config` (the window) and"
        " `_number_of_features` (the width).",
        on_instances=True,
    ),
    Touch(
        "rasa.utils.tensorflow.callback",
        "",
        "tf",
        "replaced",
        "engine/no_tensorflow.py",
        "`python -m engine` answers every import of tensorflow and keras with an inert placeholder"
        " before Rasa loads (this module's is the first, through policy -> featurizers -> extractor"
        " -> train_utils): no component of config.yml runs TensorFlow, which cost 450 MB per engine.",
    ),
    Touch(
        "rasa.engine.runner.dask",
        "DaskGraphRunner",
        "_graph_schema",
        "read",
        "engine/graph_runner.py",
        "the graph to run.",
        on_instances=True,
    ),
    Touch(
        "rasa.engine.runner.dask",
        "DaskGraphRunner",
        "_instantiated_nodes",
        "read",
        "engine/graph_runner.py",
        "the loaded nodes to call.",
        on_instances=True,
    ),
    Touch(
        _STORE,
        "SQLTrackerStore",
        "_retrieve",
        "overridden",
        "engine/tracker_store.py",
        "CachedSQLTrackerStore keeps recent conversations in memory and reads only new events, instead"
        " of replaying the whole conversation every turn (a quarter of the busy time).",
    ),
    Touch(
        _STORE,
        "SQLTrackerStore",
        "_event_query",
        "called",
        "engine/tracker_store.py",
        "the events of a conversation's current session, as Rasa selects them.",
    ),
    Touch(
        _STORE,
        "SQLTrackerStore",
        "SQLEvent",
        "read",
        "engine/tracker_store.py",
        "the events table, for the newest event's id and a single INSERT of a turn's events.",
    ),
    Touch(
        _STORE,
        "SQLTrackerStore",
        "session_scope",
        "called",
        "engine/tracker_store.py",
        "a database session as Rasa opens them.",
    ),
    Touch(
        _STORE,
        "SQLTrackerStore",
        "engine",
        "replaced",
        "engine/tracker_store.py",
        "on SQLite, a pooled engine in WAL mode instead of a new connection and a full fsync per query"
        " (set in CachedSQLTrackerStore.__init__, not by apply()); the per-turn queries use it directly.",
        on_instances=True,
    ),
    Touch(
        _STORE,
        "SQLTrackerStore",
        "sessionmaker",
        "replaced",
        "engine/tracker_store.py",
        "bound to that pooled engine.",
        on_instances=True,
    ),
    Touch(
        _STORE,
        "FailSafeTrackerStore",
        "_tracker_store",
        "read",
        "engine/channel.py",
        "the store Rasa wraps ours in: after 'forget me' the engine drops its cached copy of the"
        " conversation.",
        on_instances=True,
    ),
)


class UnsupportedRasa(RasaException):
    """Raised at engine start on a Rasa whose internals engine/ was not checked against.

    A RasaException, so `rasa run` prints the message on one line and exits with status 1.
    """


def check_version(installed: str) -> None:
    """Refuse any Rasa but the pinned one: the replaced internals are not part of its interface."""
    if installed != PINNED_RASA:
        raise UnsupportedRasa(
            f"engine/ changes internals of Rasa {PINNED_RASA}, but this is Rasa {installed}: install "
            f"the pinned version (`make setup`, requirements/engine.lock), or check every entry of "
            f"engine/patches.py against Rasa {installed} and change PINNED_RASA there."
        )


def missing() -> list[str]:
    """The listed symbols this Rasa does not have (instance attributes are not checked)."""
    absent = []
    for touch in TOUCHED:
        try:
            container = touch.container()
        except (ImportError, AttributeError):
            absent.append(touch.symbol)
            continue
        if not touch.on_instances and touch.how != "added" and not hasattr(container, touch.name):
            absent.append(touch.symbol)
    return absent


def installed() -> tuple[Touch, ...]:
    """The entries that `apply()` installs."""
    return tuple(touch for touch in TOUCHED if touch.build is not None)


def in_place() -> dict[str, bool]:
    """For each entry `apply()` installs, whether Rasa now has our replacement."""
    return {
        touch.symbol: getattr(vars(touch.container()).get(touch.name), MARK, None) == touch.symbol
        for touch in installed()
    }


def apply() -> None:
    """Check the Rasa version and the listed symbols, then install each replacement once."""
    check_version(rasa.version.__version__)
    absent = missing()
    if absent:
        raise UnsupportedRasa(f"Rasa {PINNED_RASA} lacks what engine/ relies on: {', '.join(absent)}")
    for touch in installed():
        container = touch.container()
        original = vars(container).get(touch.name)  # None for an attribute Rasa lacks ("added")
        if getattr(original, MARK, None) == touch.symbol:
            continue
        assert touch.build is not None
        replacement = touch.build(original)
        setattr(replacement, MARK, touch.symbol)
        setattr(container, touch.name, replacement)
