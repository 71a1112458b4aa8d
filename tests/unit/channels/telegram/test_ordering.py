"""Residents are answered at the same time; one resident's messages in the order sent."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram import Update

from bot.channels.telegram.ordering import OneChatAtATime


def update_from(chat_id: int, update_id: int) -> Update:
    chat = {"id": chat_id, "type": "private", "first_name": "R"}
    message = {"message_id": update_id, "date": 0, "chat": chat, "text": "hi"}
    return Update.de_json({"update_id": update_id, "message": message}, None)


async def test_one_chat_waits_its_turn_while_another_chat_goes_ahead() -> None:
    processor = OneChatAtATime()
    order: list[str] = []
    release_first = asyncio.Event()

    async def work(name: str, wait: asyncio.Event | None = None) -> None:
        order.append(f"{name} start")
        if wait is not None:
            await wait.wait()
        order.append(f"{name} end")

    tasks = [
        asyncio.create_task(processor.process_update(update_from(1, 1), work("a1", release_first))),
        asyncio.create_task(processor.process_update(update_from(1, 2), work("a2"))),
        asyncio.create_task(processor.process_update(update_from(2, 3), work("b1"))),
    ]
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["a1 start", "b1 start", "b1 end"]  # a2 waits for a1; b1 does not
    release_first.set()
    await asyncio.gather(*tasks)
    assert order[3:] == ["a1 end", "a2 start", "a2 end"]
    assert processor._chats == {}  # nothing kept once a chat is quiet


async def test_a_chat_flooding_the_bot_has_its_extra_updates_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    processor = OneChatAtATime(max_queued_per_chat=2)
    gate = asyncio.Event()
    done: list[int] = []

    async def work(n: int) -> None:
        await gate.wait()
        done.append(n)

    tasks = [asyncio.create_task(processor.process_update(update_from(1, n), work(n))) for n in range(4)]
    for _ in range(5):
        await asyncio.sleep(0)
    gate.set()
    with caplog.at_level(logging.WARNING):
        await asyncio.gather(*tasks)
    assert done == [0, 1]
