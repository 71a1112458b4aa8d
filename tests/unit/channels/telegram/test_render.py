"""The replies as Telegram messages: keyboards, split text, pins, and text kept literal."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.channels.telegram.render import (
    CALLBACK_DATA_BYTES,
    CHOOSE,
    SHARE_LOCATION,
    STORED_MARK,
    TEXT_LIMIT,
    SendText,
    SendVenue,
    callback_data,
    plan_replies,
    split_text,
    utf16_len,
)
from bot.messages import BotMessage
from bot.replies import Pin

MENU_BUTTONS = [
    {"title": "Find help near me", "payload": "/find_help"},
    {"title": "Check my confidence", "payload": "/start_confidence_check"},
    {"title": "Ask a question", "payload": "/ask_question"},
]
LIBRARY = Pin("Leeds Central Library", "Calverley Street, LS1 3AB", 53.8002, -1.5487)
HUB = Pin("Compton Centre", "Harehills Lane, LS9 7BG", 53.8066, -1.5198)


def test_options_are_an_inline_keyboard_one_button_per_row_under_the_text() -> None:
    plan = plan_replies([BotMessage("What would you like to do?", MENU_BUTTONS)])
    [send] = plan.sends
    assert isinstance(send, SendText) and send.text == "What would you like to do?"
    assert isinstance(send.markup, InlineKeyboardMarkup)
    rows = send.markup.inline_keyboard
    assert [[b.text for b in row] for row in rows] == [[b["title"]] for b in MENU_BUTTONS]
    assert [row[0].callback_data for row in rows] == [b["payload"] for b in MENU_BUTTONS]
    assert plan.long_payloads == {}


def test_a_payload_too_long_for_a_button_rides_as_a_short_key() -> None:
    payload = '/ask_topic{"faq_topic": "' + "very_long_topic_name_" * 5 + '"}'
    assert len(payload.encode()) > CALLBACK_DATA_BYTES
    plan = plan_replies([BotMessage("Pick one", [{"title": "That one", "payload": payload}])])
    data = plan.sends[0].markup.inline_keyboard[0][0].callback_data  # type: ignore[union-attr]
    assert data.startswith(STORED_MARK) and len(data.encode()) <= CALLBACK_DATA_BYTES
    assert plan.long_payloads == {data: payload}


@given(st.text(min_size=1, max_size=300))
def test_callback_data_always_fits_and_never_confuses_a_payload_with_a_key(payload: str) -> None:
    data = callback_data(payload)
    assert 1 <= len(data.encode()) <= CALLBACK_DATA_BYTES
    assert (data == payload) != data.startswith(STORED_MARK)
    assert callback_data(payload) == data  # the same on every gateway replica


def test_buttons_without_text_still_get_words_telegram_can_send() -> None:
    [send] = plan_replies([BotMessage(None, MENU_BUTTONS)]).sends
    assert isinstance(send, SendText) and send.text == CHOOSE


def test_text_that_looks_like_formatting_is_sent_exactly_as_written() -> None:
    text = "<b>Free</b> data *now* _here_ [link](http://x) &amp; `code`"
    [send] = plan_replies([BotMessage(text)]).sends
    assert isinstance(send, SendText) and send.text == text and send.markup is None


def test_asking_where_offers_share_my_location_and_the_options_as_a_reply_keyboard() -> None:
    options = [{"title": "Menu", "payload": "/help"}]
    plan = plan_replies([BotMessage("What's your postcode?", options, request_location=True)])
    [send] = plan.sends
    assert isinstance(send.markup, ReplyKeyboardMarkup)
    buttons = [row[0] for row in send.markup.keyboard]
    assert buttons[0].text == SHARE_LOCATION and buttons[0].request_location
    assert [b.text for b in buttons[1:]] == ["Menu"] and not buttons[1].request_location
    assert send.markup.one_time_keyboard and send.markup.resize_keyboard
    assert plan.keyboard_shown


def test_the_location_keyboard_goes_with_the_next_message_free_to_carry_it() -> None:
    replies = [BotMessage("Here is the nearest help:"), BotMessage("Anything else?", MENU_BUTTONS)]
    plan = plan_replies(replies, keyboard_shown=True)
    assert isinstance(plan.sends[0].markup, ReplyKeyboardRemove)
    assert isinstance(plan.sends[1].markup, InlineKeyboardMarkup)
    assert not plan.keyboard_shown


def test_the_location_keyboard_stays_until_a_message_can_take_it_away() -> None:
    plan = plan_replies([BotMessage("Anything else?", MENU_BUTTONS)], keyboard_shown=True)
    assert isinstance(plan.sends[0].markup, InlineKeyboardMarkup)
    assert plan.keyboard_shown
    assert not plan_replies([BotMessage("Hello")]).keyboard_shown


def test_results_bring_one_map_pin_the_nearest_with_the_options_under_it() -> None:
    message = BotMessage("1. Leeds Central Library\n2. Compton Centre", MENU_BUTTONS, venues=(LIBRARY, HUB))
    plan = plan_replies([message], keyboard_shown=True)
    text, pin = plan.sends
    assert isinstance(text, SendText) and isinstance(text.markup, ReplyKeyboardRemove)
    assert isinstance(pin, SendVenue) and pin.pin == LIBRARY
    assert isinstance(pin.markup, InlineKeyboardMarkup)


def test_a_pin_without_an_address_shows_its_name() -> None:
    pin = SendVenue(Pin("Compton Centre", "", 53.8, -1.5))
    assert pin.address == "Compton Centre"


def test_a_long_reply_is_split_at_paragraphs_with_the_keyboard_on_the_last_part() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 300 for n in range(8)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    sends = plan_replies([BotMessage(text, MENU_BUTTONS)]).sends
    assert len(sends) > 1
    assert all(utf16_len(s.text) <= TEXT_LIMIT for s in sends if isinstance(s, SendText))
    assert all(s.text.startswith("Paragraph") for s in sends if isinstance(s, SendText))
    assert [s.markup is not None for s in sends] == [False] * (len(sends) - 1) + [True]
    assert "\n\n".join(s.text for s in sends if isinstance(s, SendText)) == text


def test_short_text_is_one_message() -> None:
    assert split_text("  Hello  ") == ["Hello"]
    assert split_text("   ") == []


def test_a_paragraph_too_long_is_split_at_lines_then_spaces() -> None:
    lines = "\n".join("line " * 100 for _ in range(20))
    parts = split_text(lines, limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert all(p.startswith("line") and p.endswith("line") for p in parts)
    words = split_text("word " * 1000, limit=99)
    assert all(len(p) <= 99 and not p.startswith(" ") for p in words)
    assert " ".join(words) == ("word " * 1000).strip()


def test_emoji_count_twice_towards_telegram_s_limit() -> None:
    text = "😀" * 3000  # 3000 characters, 6000 UTF-16 code units, and no spaces to split at
    parts = split_text(text)
    assert [utf16_len(p) for p in parts] == [4096, 6000 - 4096]
    assert "".join(parts) == text


@given(st.text(alphabet=st.sampled_from("ab \n😀é"), max_size=3000), st.integers(2, 500))
def test_splitting_loses_no_words_and_every_part_fits(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < utf16_len(p) <= limit for p in parts)
    # Every visible character is kept, in order; only whitespace at the cuts goes.
    assert "".join("".join(parts).split()) == "".join(text.split())
