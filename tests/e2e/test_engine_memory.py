"""The running engine serves turns without TensorFlow in its memory (engine/no_tensorflow.py).

It is started as the bot always starts it (`python -m engine run`, bot/stack.py). After a
conversation's turns, the engine itself says which TensorFlow modules it really imported (its
gateway channel's health answer, to the token's holder), and its memory map shows no
TensorFlow library.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.stack import Stack
from tests.e2e.conftest import Resident

TENSORFLOW_LIBRARIES = ("libtensorflow", "_pywrap_tensorflow", "tensorflow/python")


def _engine_says(stack: Stack) -> dict[str, object]:
    response = httpx.get(
        f"http://127.0.0.1:{stack.ports.engine}/webhooks/gateway/",
        params={"token": stack.engine_auth_token},
        timeout=10,
    )
    response.raise_for_status()
    answer: dict[str, object] = response.json()
    return answer


def test_the_engine_serves_a_conversation_without_importing_tensorflow(
    stack: Stack, resident: Resident
) -> None:
    assert "postcode" in resident.text(resident.say("/find_help")).lower()
    assert "Compton Centre" in resident.text(resident.say("LS9 7BG"))
    assert "Question 1 of 8" in resident.text(resident.say("/start_confidence_check"))

    assert _engine_says(stack) == {"status": "ok", "tensorflow": []}
    mapped = Path(f"/proc/{stack.processes['engine'].pid}/maps").read_text()
    assert "libpython" in mapped or "python3" in mapped  # the map is the engine's, and readable
    assert [library for library in TENSORFLOW_LIBRARIES if library in mapped] == []


def test_without_the_token_the_health_answer_says_nothing_more(stack: Stack) -> None:
    response = httpx.get(f"http://127.0.0.1:{stack.ports.engine}/webhooks/gateway/", timeout=10)
    assert response.json() == {"status": "ok"}
