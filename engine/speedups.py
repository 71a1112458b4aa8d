"""Two fixes to Rasa 3.6's per-turn costs, applied when the engine loads its channels.

Measured with bench/load.py and py-spy (docs/performance.md):
- Every action-server reply is checked against a JSON schema with `jsonschema.validate`, which
  checks the schema itself first, every time: 37% of the engine's busy time, about 24 ms a
  reply. A validator built once gives the same answers in about 1 ms.
- A second message of a conversation that arrives while the first is still being answered
  waits for the conversation's lock, polling once a second; a resident who double-sends waits
  a second for nothing. Polling every 50 ms costs nothing measurable.
Both change speed only: the same replies, the same errors.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core import lock_store
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

LOCK_POLL_SECONDS = 0.05


@functools.lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _action_result_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}"
            "/custom-actions"
        )
        raise
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


def apply() -> None:
    if getattr(RemoteAction, "_getonline_fast", False):
        return
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    RemoteAction._getonline_fast = True  # type: ignore[attr-defined]
    lock_store.LockStore.lock = _with_quick_polling(lock_store.LockStore.lock)  # type: ignore[method-assign]
