"""The render plan sent by the real python-telegram-bot client to the fake Bot API.

The fake refuses what Telegram refuses (empty or too long text, callback data over 64 bytes),
so these prove that what `render` plans is accepted, and that text arrives exactly as written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot

from bot.channels.telegram.render import TEXT_LIMIT, plan_replies, utf16_len
from bot.channels.telegram.send import send_plan
from bot.messages import BotMessage
from bot.replies import Pin
from tests.fakes.telegram_api import FakeBotApi

TOKEN = "654321:TEST-send"
CHAT = 4242
LITERAL = "<b>Free</b> data *now* _here_ [link](http://x) &amp; `code` \\"
LIBRARY = Pin("Leeds Central Library", "Calverley Street, LS1 3AB", 53.8002, -1.5487)

# The client is made in the fixtures' loop (session scope): the tests must run in it too.
pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeBotApi]:
    api = FakeBotApi(TOKEN).start()
    yield api
    api.stop()


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url) as client:
        yield client


async def test_text_that_looks_like_formatting_arrives_literally(fake: FakeBotApi, bot: Bot) -> None:
    mark = fake.mark()
    await send_plan(bot, CHAT, plan_replies([BotMessage(LITERAL)]))
    [call] = fake.sent(mark, CHAT)
    assert call.text == LITERAL
    assert "parse_mode" not in call.params and "entities" not in call.params
    assert call.params["link_preview_options"] == {"is_disabled": True}


async def test_a_long_reply_with_long_payloads_is_accepted_in_parts(fake: FakeBotApi, bot: Bot) -> None:
    text = "\n\n".join(f"Part {n}: " + "word " * 400 for n in range(6))
    long_payload = '/ask_topic{"faq_topic": "' + "x" * 80 + '"}'
    buttons = [{"title": "Menu", "payload": "/help"}, {"title": "More", "payload": long_payload}]
    plan = plan_replies([BotMessage(text, buttons)])
    mark = fake.mark()
    await send_plan(bot, CHAT, plan)
    calls = fake.sent(mark, CHAT)
    assert len(calls) > 1 and all(utf16_len(c.text) <= TEXT_LIMIT for c in calls)
    assert calls[-1].button_titles() == ["Menu", "More"] and not calls[0].button_titles()
    data = [row[0]["callback_data"] for row in calls[-1].markup["inline_keyboard"]]
    assert data[0] == "/help" and data[1] in plan.long_payloads


async def test_a_pin_and_the_location_keyboard(fake: FakeBotApi, bot: Bot) -> None:
    mark = fake.mark()
    ask = BotMessage("What's your postcode?", request_location=True)
    await send_plan(bot, CHAT, plan_replies([ask]))
    found = BotMessage("1. Leeds Central Library", [{"title": "Menu", "payload": "/help"}], venues=(LIBRARY,))
    await send_plan(bot, CHAT, plan_replies([found], keyboard_shown=True))
    question, listing, pin = fake.sent(mark, CHAT)
    assert question.keyboard()[0] == {"text": "Share my location", "request_location": True}
    assert listing.markup == {"remove_keyboard": True}
    assert pin.method == "sendVenue" and pin.params["title"] == LIBRARY.name
    assert (pin.params["latitude"], pin.params["longitude"]) == (LIBRARY.latitude, LIBRARY.longitude)
    assert pin.button_titles() == ["Menu"]
