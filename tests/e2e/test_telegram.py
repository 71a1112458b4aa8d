"""Telegram end to end: python-telegram-bot in the gateway, the real engine, a fake Bot API.

Every scenario runs twice, by long polling and by webhook. What a resident sees on Telegram is
the web chat's conversation, made native: keyboards for options, a "Share my location" button,
a map pin for the nearest help, "typing..." while the bot thinks, each update answered once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Select, create_engine, select, text

from bot.channels.telegram.handlers import NOT_TEXT
from bot.channels.telegram.render import SHARE_LOCATION
from bot.channels.telegram.webhook import webhook_secret
from bot.db.models import Contact, UsageEvent, UsageKind
from bot.db.session import session_scope
from bot.pseudonym import person_key, pseudonymise
from bot.stack import Stack
from tests.e2e.conftest import E2E_SECRET, PRIVACY_NOTICE, Resident
from tests.e2e.telegram_fixtures import TOKEN, TelegramGateway, start_gateway
from tests.fakes.telegram_api import Call, TelegramUser

CODE = "LIB-CENTRAL"  # a sample champion's code (content/venues/champions.csv)
QUESTION = "how do I get free mobile data"
LS1 = (53.7963, -1.5641)

Condition = Callable[[list[Call]], bool]


@pytest.fixture(scope="module", params=["polling", "webhook"])
def telegram(
    request: pytest.FixtureRequest,
    stack: Stack,
    e2e_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TelegramGateway]:
    gateway = start_gateway(
        request.param, stack, e2e_env, tmp_path_factory.mktemp(f"telegram-{request.param}")
    )
    try:
        yield gateway
    finally:
        gateway.stop()
        gateway.fake.stop()


def person_of(user: TelegramUser) -> str:
    return person_key(pseudonymise(E2E_SECRET, "telegram", str(user.id)))


def answers(calls: list[Call], user: TelegramUser) -> list[Call]:
    return [c for c in calls if c.chat_id == user.id and c.method in {"sendMessage", "sendVenue"}]


def texts(calls: list[Call], user: TelegramUser) -> list[str]:
    return [c.text for c in answers(calls, user) if c.method == "sendMessage" and c.text != PRIVACY_NOTICE]


def has_text(user: TelegramUser, part: str) -> Condition:
    return lambda calls: any(part in t for t in texts(calls, user))


def has_buttons(user: TelegramUser, title: str) -> Condition:
    return lambda calls: any(title in c.button_titles() for c in answers(calls, user))


def say(telegram: TelegramGateway, user: TelegramUser, message: str, until: str) -> list[Call]:
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.message(user, message))
    return telegram.fake.wait_until(has_text(user, until), mark)


def wait_for_row(query: Select[Any], database_url: str, timeout: float = 15) -> object:
    deadline = time.monotonic() + timeout
    while True:
        with session_scope(database_url) as session:
            row = session.scalars(query).first()
        if row is not None or time.monotonic() > deadline:
            return row
        time.sleep(0.2)


def test_a_champion_s_link_starts_with_the_greeting_the_menu_and_records_the_referral(
    telegram: TelegramGateway, e2e_env: dict[str, str]
) -> None:
    user = telegram.new_user()
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.message(user, f"/start {CODE}"))
    calls = telegram.fake.wait_until(has_buttons(user, "Find help near me"), mark)

    sent = answers(calls, user)
    assert sent[0].text == PRIVACY_NOTICE  # a new person hears about their data first
    assert any(t.startswith("Hello! I'm the Get Online chatbot") for t in texts(calls, user))
    menu = next(c for c in sent if c.button_titles())
    assert menu.button_titles() == ["Find help near me", "Check my confidence", "Ask a question"]
    assert [row for row in menu.markup["inline_keyboard"] if len(row) != 1] == []
    assert all("parse_mode" not in c.params for c in sent)

    typing = [i for i, c in enumerate(calls) if c.method == "sendChatAction" and c.chat_id == user.id]
    first_answer = calls.index(sent[0])
    assert typing and typing[0] < first_answer
    assert calls[typing[0]].params["action"] == "typing"

    # The referral counts once a real conversation follows the link, not at the link itself.
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.message(user, "free wifi"))
    telegram.fake.wait_until(lambda calls: bool(answers(calls, user)), mark)
    url = e2e_env["DATABASE_URL"]
    contact = wait_for_row(
        select(Contact).where(Contact.person == person_of(user), Contact.referral_code.is_not(None)), url
    )
    assert isinstance(contact, Contact) and contact.referral_code == CODE and contact.channel == "telegram"
    event = wait_for_row(
        select(UsageEvent).where(UsageEvent.person == person_of(user), UsageEvent.kind == UsageKind.REFERRAL),
        url,
    )
    assert isinstance(event, UsageEvent) and event.detail == CODE and event.channel == "telegram"


def test_a_made_up_code_still_gets_a_welcome_but_no_referral(
    telegram: TelegramGateway, e2e_env: dict[str, str]
) -> None:
    user = telegram.new_user()
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.message(user, "/start NOT-A-CODE"))
    telegram.fake.wait_until(has_buttons(user, "Find help near me"), mark)
    contact = wait_for_row(select(Contact).where(Contact.person == person_of(user)), e2e_env["DATABASE_URL"])
    assert isinstance(contact, Contact) and contact.referral_code is None


def test_a_typed_question_gets_the_same_answer_as_on_the_web_chat(
    telegram: TelegramGateway, resident: Resident
) -> None:
    web = resident.say(QUESTION)
    web_texts = [m["text"] for m in web if m.get("text")]
    user = telegram.new_user()
    calls = say(telegram, user, QUESTION, web_texts[-1])
    assert texts(calls, user) == web_texts
    assert [t for c in answers(calls, user) for t in c.button_titles()] == [
        b["title"] for b in Resident.buttons(web)
    ]


def test_pressing_find_help_asks_where_with_a_share_my_location_keyboard(telegram: TelegramGateway) -> None:
    user = telegram.new_user()
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.message(user, "/start"))
    telegram.fake.wait_until(has_buttons(user, "Find help near me"), mark)

    press = telegram.fake.press(user, "Find help near me")
    mark = telegram.fake.mark()
    telegram.send(press)
    calls = telegram.fake.wait_until(has_text(user, "postcode"), mark)

    answered = [c for c in calls if c.method == "answerCallbackQuery"]
    assert [c.params["callback_query_id"] for c in answered] == [press["callback_query"]["id"]]
    edited = [c for c in calls if c.method == "editMessageReplyMarkup"]
    assert [c.params["message_id"] for c in edited] == [press["callback_query"]["message"]["message_id"]]
    assert not edited[0].markup.get("inline_keyboard")  # the pressed keyboard is gone
    ask = next(c for c in answers(calls, user) if "postcode" in c.text)
    assert SHARE_LOCATION in ask.text
    keyboard = ask.keyboard()
    assert keyboard[0] == {"text": SHARE_LOCATION, "request_location": True}
    assert ask.markup.get("one_time_keyboard") is True


def test_a_second_tap_on_the_same_keyboard_is_not_answered_again(telegram: TelegramGateway) -> None:
    user = telegram.new_user()
    say(telegram, user, "/help", "What would you like to do?")
    first, second = telegram.fake.press(user, "Ask a question"), telegram.fake.press(user, "Ask a question")
    mark = telegram.fake.mark()
    telegram.send(first, second)  # a double tap: two callback queries for one keyboard
    say(telegram, user, "thank you", "You're welcome")
    calls = telegram.fake.since(mark)
    assert len([c for c in calls if c.method == "answerCallbackQuery"]) == 2  # both spinners stop
    assert len([c for c in calls if c.method == "sendChatAction" and c.chat_id == user.id]) == 2


def test_a_shared_location_finds_the_nearest_help_with_a_map_pin(telegram: TelegramGateway) -> None:
    user = telegram.new_user()
    say(telegram, user, "/start", "What would you like to do?")
    telegram.send(telegram.fake.press(user, "Find help near me"))
    telegram.fake.wait_until(has_text(user, SHARE_LOCATION))

    mark = telegram.fake.mark()
    telegram.send(telegram.fake.location(user, *LS1))
    calls = telegram.fake.wait_until(lambda calls: any(c.method == "sendVenue" for c in calls), mark)

    [pin] = [c for c in calls if c.method == "sendVenue"]
    assert abs(pin.params["latitude"] - LS1[0]) < 0.05 and abs(pin.params["longitude"] - LS1[1]) < 0.05
    assert pin.params["title"] and pin.params["address"]
    listing = next(t for t in texts(calls, user) if pin.params["title"] in t)
    assert listing.index(pin.params["title"]) < 40  # the pin is the first place listed
    assert pin.button_titles()  # the options stay at the bottom, under the map
    removed = [c for c in answers(calls, user) if c.markup.get("remove_keyboard")]
    assert len(removed) == 1  # "Share my location" is put away once it has been used


def test_a_duplicate_update_is_answered_once(telegram: TelegramGateway) -> None:
    user = telegram.new_user()
    say(telegram, user, "/start", "What would you like to do?")
    question = telegram.fake.message(user, QUESTION)
    mark = telegram.fake.mark()
    telegram.send(question, question)  # Telegram retries: the same update_id twice
    say(telegram, user, "thank you", "You're welcome")
    calls = telegram.fake.since(mark)
    assert len([c for c in calls if c.method == "sendChatAction" and c.chat_id == user.id]) == 2
    assert len([t for t in texts(calls, user) if "You're welcome" in t]) == 1
    assert len(texts(calls, user)) == len(set(texts(calls, user)))


def test_a_reply_refused_by_telegram_s_flood_control_is_sent_again_after_the_wait(
    telegram: TelegramGateway,
) -> None:
    """At busy times Telegram answers 429 "retry after N": the reply waits, then goes, once."""
    user = telegram.new_user()
    say(telegram, user, "/start", "What would you like to do?")
    refused_before = len(telegram.fake.refused)
    telegram.fake.flood("sendMessage", times=1, retry_after=1)
    calls = say(telegram, user, "thank you", "You're welcome")
    refused = telegram.fake.refused[refused_before:]
    assert [c.method for c in refused] == ["sendMessage"]
    assert "You're welcome" in refused[0].text
    assert len([t for t in texts(calls, user) if "You're welcome" in t]) == 1


def test_the_commands_help_stop_and_forget(telegram: TelegramGateway, e2e_env: dict[str, str]) -> None:
    user = telegram.new_user()
    calls = say(telegram, user, "/help", "What would you like to do?")
    assert has_buttons(user, "Find help near me")(calls)
    calls = say(telegram, user, "/stop", "I won't message you again")

    calls = say(telegram, user, "/forget", "delete your messages")
    assert has_buttons(user, "Yes, delete")(calls)
    url = e2e_env["DATABASE_URL"]
    assert wait_for_row(select(Contact).where(Contact.person == person_of(user)), url) is not None
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.press(user, "Yes, delete"))
    telegram.fake.wait_until(has_text(user, "deleted your messages"), mark)
    with session_scope(url) as session:
        assert session.scalars(select(Contact).where(Contact.person == person_of(user))).first() is None


def test_a_voice_message_gets_told_what_the_bot_can_read(telegram: TelegramGateway) -> None:
    user = telegram.new_user()
    mark = telegram.fake.mark()
    telegram.send(telegram.fake.voice(user))
    calls = telegram.fake.wait_until(has_text(user, NOT_TEXT), mark)
    assert has_buttons(user, "Menu")(calls)


def test_in_a_group_the_bot_only_points_to_a_private_chat(telegram: TelegramGateway) -> None:
    user, group = telegram.new_user(), -1_000_000_000_123
    mark = telegram.fake.mark()
    telegram.send(
        telegram.fake.group_message(group, user, QUESTION),
        telegram.fake.group_message(group, user, "/start"),
    )
    calls = telegram.fake.wait_until(lambda calls: any(c.chat_id == group for c in calls), mark)
    [reply] = [c for c in calls if c.chat_id == group]
    assert reply.method == "sendMessage" and f"https://t.me/{telegram.fake.username}" in reply.text
    assert not [c for c in telegram.fake.since(mark) if c.chat_id == user.id]


def test_a_webhook_call_without_the_right_secret_is_refused(telegram: TelegramGateway) -> None:
    user = telegram.new_user()
    update = telegram.fake.message(user, QUESTION)
    if telegram.mode == "polling":
        # Polling opens no door: there is no webhook route to call.
        assert httpx.post(telegram.webhook_url, json=update, timeout=10).status_code == 404
        return
    mark = telegram.fake.mark()
    assert telegram.fake.deliver(update, secret="wrong-secret").status_code == 403
    assert telegram.fake.deliver(update, secret=None).status_code == 403
    say(telegram, user, "/help", "What would you like to do?")
    assert len([c for c in telegram.fake.since(mark) if c.method == "sendChatAction"]) == 1
    assert telegram.fake.webhook_secret == webhook_secret(TOKEN, E2E_SECRET)


def test_no_raw_telegram_id_or_token_reaches_the_logs_or_the_engine(
    telegram: TelegramGateway, e2e_env: dict[str, str]
) -> None:
    user = telegram.new_user()
    say(telegram, user, QUESTION, "data")
    log = Path(telegram.log).read_text(encoding="utf-8", errors="replace")
    assert "Telegram channel ready" in log and "Application started" in log  # the log is captured
    secrets = [TOKEN, TOKEN.partition(":")[2], webhook_secret(TOKEN, E2E_SECRET)]
    assert [s for s in secrets if s in log] == []
    assert [u.id for u in telegram.users if str(u.id) in log] == []

    tracker = create_engine(e2e_env["TRACKER_STORE_URL"])
    with tracker.connect() as connection:
        senders = set(connection.execute(text("SELECT DISTINCT sender_id FROM events")).scalars())
    tracker.dispose()
    assert pseudonymise(E2E_SECRET, "telegram", str(user.id)) in senders
    assert [s for s in senders for u in telegram.users if str(u.id) in s] == []
