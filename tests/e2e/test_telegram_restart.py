"""Messages sent while the bot restarts: Telegram keeps them, and each gets its real answer.

The gateway starts while the engine cannot be reached (the test's TCP proxy to the real engine
is not up yet), as on `make run` or a deploy, when the gateway is up before the engine has
loaded its model. By long polling, the three messages a resident sent meanwhile wait at the
(fake) Bot API; by webhook, each delivery gets 503 and Telegram tries again. Once the engine is
reachable, each message is answered once, in order, with the real answer and no apology.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.stack import Stack
from tests.e2e.conftest import PRIVACY_NOTICE, Resident, free_port
from tests.e2e.tcp_proxy import TcpProxy
from tests.e2e.telegram_fixtures import TOKEN, TelegramGateway
from tests.fakes.telegram_api import FakeBotApi, TelegramUser

APOLOGY = "Sorry, I'm having a problem"
QUESTION = "how do I get free mobile data"
HELLO = "Hello! I'm the Get Online chatbot"
WAITING = "Waiting for the engine before taking Telegram messages"


@pytest.fixture(params=["polling", "webhook"])
def restarting(
    request: pytest.FixtureRequest, stack: Stack, tmp_path: Path
) -> Iterator[tuple[TelegramGateway, TcpProxy]]:
    """A Telegram gateway whose way to the engine is down until the test brings it up."""
    proxy = TcpProxy(target_port=stack.ports.engine, port=free_port())
    fake = FakeBotApi(TOKEN).start()
    gateway = TelegramGateway(request.param, fake, free_port(), tmp_path / f"gateway-{request.param}.log")
    try:
        yield gateway, proxy
    finally:
        gateway.stop()
        fake.stop()
        proxy.close()


def start(gateway: TelegramGateway, proxy: TcpProxy, stack: Stack, env: dict[str, str]) -> None:
    connected = {"getMe"} if gateway.mode == "polling" else {"setWebhook"}
    gateway.start(stack, env, engine_url=f"http://127.0.0.1:{proxy.port}", connected=connected)


def wait_for_log(gateway: TelegramGateway, line: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while line not in gateway.log.read_text(encoding="utf-8", errors="replace"):
        assert time.monotonic() < deadline, f"no {line!r} in the gateway's log"
        time.sleep(0.1)


def texts(gateway: TelegramGateway, user: TelegramUser) -> list[str]:
    return [c.text for c in gateway.fake.sent(0, user.id) if c.method == "sendMessage"]


def wait_for_answers(gateway: TelegramGateway, user: TelegramUser, last: str) -> None:
    gateway.fake.wait_until(lambda calls: any(last in t for t in texts(gateway, user)), timeout=90)


def the_three(gateway: TelegramGateway, user: TelegramUser) -> list[dict[str, Any]]:
    fake = gateway.fake
    return [fake.message(user, "/help"), fake.message(user, QUESTION), fake.message(user, "thank you")]


def assert_answered_once_in_order(answers: list[str], question_answer: str) -> None:
    assert answers[0] == PRIVACY_NOTICE
    assert [t for t in answers if APOLOGY in t] == []
    expected = ["What would you like to do?", question_answer, "You're welcome"]
    found = [[i for i, text in enumerate(answers) if part in text] for part in expected]
    assert [len(indexes) for indexes in found] == [1, 1, 1], answers  # each answered once
    assert found[0][0] < found[1][0] < found[2][0], answers  # in the order sent


def test_messages_sent_while_the_bot_was_stopped_get_their_real_answers(
    restarting: tuple[TelegramGateway, TcpProxy],
    stack: Stack,
    e2e_env: dict[str, str],
    resident: Resident,
) -> None:
    gateway, proxy = restarting
    question_answer = [m["text"] for m in resident.say(QUESTION) if m.get("text")][-1]
    user = gateway.new_user()
    updates = the_three(gateway, user)
    if gateway.mode == "polling":
        gateway.fake.queue(*updates)  # Telegram keeps them while the bot is stopped
        start(gateway, proxy, stack, e2e_env)
        wait_for_log(gateway, WAITING)
        assert "getUpdates" not in {c.method for c in gateway.fake.snapshot()}
    else:
        start(gateway, proxy, stack, e2e_env)
        assert [gateway.fake.deliver(update).status_code for update in updates] == [503, 503, 503]
    assert texts(gateway, user) == []

    proxy.up()  # the engine is back
    if gateway.mode == "webhook":
        for update in updates:  # Telegram tries again, in order, until one is taken
            deadline = time.monotonic() + 30
            while gateway.fake.deliver(update).status_code != 200:
                assert time.monotonic() < deadline, "the webhook never took the update"
                time.sleep(0.2)
        assert gateway.fake.deliver(updates[0]).status_code == 200  # a late retry: not answered again
    wait_for_answers(gateway, user, "You're welcome")
    # One more message: a chat's messages are answered in order, so once this one is answered,
    # any second answer to the first three would have come before it.
    gateway.send(gateway.fake.message(user, "/start"))
    gateway.fake.wait_until(lambda calls: any(HELLO in t for t in texts(gateway, user)), timeout=60)
    answers = texts(gateway, user)
    assert_answered_once_in_order(
        answers[: next(i for i, t in enumerate(answers) if HELLO in t)], question_answer
    )
