"""The call-back form, step by step: every step skippable, consent before the number, clear
replies to bad numbers, and "this number?" on SMS."""

from __future__ import annotations

from bot.callbacks import dialogue
from bot.callbacks.dialogue import (
    CONSENT,
    NAME,
    NUMBER,
    OTHER_NUMBER,
    SKIPPED,
    TIME,
    TOPIC,
    ask,
    is_answer,
    take,
)
from bot.callbacks.wording import Wording


def step(
    name: str, text: str, words: Wording, *, channel: str = "web", intent: str | None = None, **entities: str
):
    return take(name, text, intent=intent, entities=entities, channel=channel, slots={}, words=words)


def test_the_steps_come_in_order_with_consent_before_the_number() -> None:
    assert dialogue.STEPS == (TOPIC, TIME, NAME, CONSENT, NUMBER)
    assert dialogue.next_missing({TOPIC: "Scams", TIME: "any"}) == NAME


def test_each_question_offers_a_way_to_skip_or_choose(words: Wording) -> None:
    topic = ask(TOPIC, words, "web", {}).replies[0]
    assert "Skip" in [b.title for b in topic.buttons] and "Scams" in [b.title for b in topic.buttons]
    times = ask(TIME, words, "web", {}).replies[0]
    assert [b.title for b in times.buttons] == ["Mornings", "Afternoons", "Evenings", "Any time"]
    assert "Skip" in [b.title for b in ask(NAME, words, "web", {}).replies[0].buttons]


def test_skipping_fills_the_step_so_the_form_moves_on(words: Wording) -> None:
    assert step(TOPIC, "skip", words).slots == {TOPIC: SKIPPED}
    assert step(NAME, "no thanks", words).slots == {NAME: SKIPPED}
    assert step(TIME, "I don't mind", words).slots == {TIME: "any"}


def test_the_topic_is_kept_in_the_residents_words(words: Wording) -> None:
    assert step(TOPIC, "  my   new tablet ", words).slots == {TOPIC: "my new tablet"}


def test_times_in_residents_words(words: Wording) -> None:
    assert step(TIME, "Afternoons", words).slots == {TIME: "afternoons"}
    assert step(TIME, "after work please", words).slots == {TIME: "evenings"}
    unclear = step(TIME, "tuesday", words)
    assert TIME not in unclear.slots and unclear.replies[0].text == words("ask_time")


def test_a_first_name_only(words: Wording) -> None:
    assert step(NAME, "margaret", words).slots == {NAME: "Margaret"}
    assert step(NAME, "my name is Jo", words).slots == {NAME: "Jo"}
    bad = step(NAME, "12345", words)
    assert NAME not in bad.slots and bad.replies[0].text == words("bad_name")


def test_consent_says_how_long_the_number_is_kept(words: Wording) -> None:
    question = ask(CONSENT, words, "web", {NAME: "Jo"}).replies[0].text
    assert "90 days" in question and "number and first name" in question


def test_no_consent_ends_the_form_and_keeps_nothing(words: Wording) -> None:
    said = step(CONSENT, "no", words, intent="deny")
    assert said.end and said.slots == {CONSENT: "no"}
    assert "haven't kept anything" in said.replies[0].text


def test_on_sms_the_number_is_this_number_or_another(words: Wording) -> None:
    asked = ask(NUMBER, words, "sms", {})
    assert asked.replies[0].text == words("ask_number_sms") and not asked.expect_number
    assert step(NUMBER, "yes", words, channel="sms", intent="affirm").slots == {NUMBER: "sender"}
    other = step(NUMBER, "no", words, channel="sms", intent="deny")
    assert other.slots == {OTHER_NUMBER: True} and other.expect_number
    assert other.replies[0].text == words("ask_other_number")


def test_by_voice_the_number_is_the_caller_s_or_another_said_or_keyed(words: Wording) -> None:
    asked = ask(NUMBER, words, "voice", {})
    assert asked.replies[0].text == words("ask_number_voice") and not asked.expect_number
    assert "calling from" in asked.replies[0].text
    assert step(NUMBER, "yes", words, channel="voice", intent="affirm").slots == {NUMBER: "sender"}
    other = step(NUMBER, "no", words, channel="voice", intent="deny")
    assert other.slots == {OTHER_NUMBER: True} and other.expect_number
    assert other.replies[0].text == words("ask_other_number_voice") and "key it in" in other.replies[0].text


def test_a_landline_is_fine_by_voice_with_no_word_about_texts(words: Wording) -> None:
    said = take(
        NUMBER,
        "/callback_number",
        intent="callback_number",
        entities={"number_check": "landline"},
        channel="voice",
        slots={OTHER_NUMBER: True},
        words=words,
    )
    assert said.slots == {NUMBER: "typed:landline"} and not said.replies


def test_a_question_is_never_the_topic_but_a_few_words_and_skip_always_are() -> None:
    assert is_answer(TOPIC, "online banking") and is_answer(TOPIC, "Scams")
    assert not is_answer(TOPIC, "how do I spot a scam text?")
    assert is_answer(NUMBER, "skip") and is_answer(TIME, "stop")
    assert not is_answer(TIME, "is it free?") and not is_answer(TIME, "is there anywhere open?")
    # "Mornings" reads like "good morning" to the engine: at this step it is a time, no hello.
    assert is_answer(TIME, "Mornings") and is_answer(TIME, "any time") and is_answer(NAME, "Jo")


def test_on_web_and_telegram_the_number_is_typed_and_checked_by_the_gateway(words: Wording) -> None:
    assert ask(NUMBER, words, "telegram", {}).expect_number
    good = step(NUMBER, "/callback_number", words, intent="callback_number", number_check="mobile")
    assert good.slots == {NUMBER: "typed:mobile"} and not good.replies


def test_bad_numbers_get_a_clear_reply_and_the_question_again(words: Wording) -> None:
    for check, key in (
        ("invalid", "number_invalid"),
        ("not_uk", "number_not_uk"),
        ("not_callable", "number_not_callable"),
    ):
        said = step(NUMBER, "/callback_number", words, intent="callback_number", number_check=check)
        assert NUMBER not in said.slots and said.expect_number and said.replies[0].text == words(key)
    words_only = step(NUMBER, "dunno", words)
    assert words_only.replies[0].text == words("number_invalid") and words_only.expect_number


def test_on_the_phone_a_bad_number_is_asked_for_again_by_voice_or_keypad_never_typed(words: Wording) -> None:
    for check in ("invalid", "not_uk", "not_callable"):
        said = step(
            NUMBER, "/callback_number", words, channel="voice", intent="callback_number", number_check=check
        )
        text = said.replies[0].text
        assert said.expect_number and "type" not in text.lower(), text
        assert "key" in text and "say" in text.lower(), text
        assert (
            text
            != step(NUMBER, "/callback_number", words, intent="callback_number", number_check=check)
            .replies[0]
            .text
        )


def test_a_landline_typed_on_sms_is_rung_and_the_resident_told_texts_come_here(words: Wording) -> None:
    said = take(
        NUMBER,
        "/callback_number",
        intent="callback_number",
        entities={"number_check": "landline"},
        channel="sms",
        slots={OTHER_NUMBER: True},
        words=words,
    )
    assert said.slots == {NUMBER: "typed:landline"}
    assert said.replies[0].text == words("landline_on_sms")


def test_skipping_the_number_ends_without_a_request(words: Wording) -> None:
    said = step(NUMBER, "skip", words)
    assert said.end and "haven't kept anything" in said.replies[0].text


def test_stop_at_any_step_ends_the_form(words: Wording) -> None:
    for name in dialogue.STEPS:
        said = step(name, "stop", words)
        assert said.end and said.replies[0].text == words("form_stopped")
