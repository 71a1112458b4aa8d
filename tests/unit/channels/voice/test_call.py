"""What a caller's keys, words and silences mean, decided without a call or an engine."""

from __future__ import annotations

import pytest

from bot.channels.voice.call import (
    MENU_MESSAGE,
    CallState,
    Do,
    Heard,
    Step,
    message_for,
    normalise,
    spoken_digit,
    spoken_number,
    understand,
)

STATE = CallState(
    "CA1", 1000.0, said=("Question 1 of 8.", "Press 1 for Yes, easily, or just say it."), asks=True, keys=4
)


def test_silence_is_asked_again_then_offered_the_menu_then_ends_the_call() -> None:
    assert understand(Heard(), STATE) == Step(Do.ASK_AGAIN)
    assert understand(Heard(), CallState("CA1", 0, silences=1)) == Step(Do.OFFER_MENU)
    assert understand(Heard(), CallState("CA1", 0, silences=2)) == Step(Do.GIVE_UP)
    assert understand(Heard(speech="  "), STATE) == Step(Do.ASK_AGAIN)


def test_speech_twilio_is_unsure_of_counts_as_noise_only_below_the_setting() -> None:
    mumble = Heard(speech="uh", confidence=0.1)
    assert understand(mumble, STATE, min_confidence=0.3) == Step(Do.ASK_AGAIN)
    assert understand(mumble, STATE, min_confidence=0.0) == Step(Do.ENGINE, "uh")


@pytest.mark.parametrize(
    ("key", "step"),
    [
        ("*", Step(Do.REPEAT)),
        ("#", Step(Do.ENGINE, MENU_MESSAGE)),
        ("3", Step(Do.ENGINE, "3")),  # an option's number, mapped by the gateway as by SMS
        ("5", Step(Do.NO_SUCH_KEY)),  # four options: never a stray digit to the engine
        ("0", Step(Do.NO_SUCH_KEY)),
        ("9", Step(Do.TEXT_ME)),  # the channel says there is nothing to text
    ],
)
def test_keys(key: str, step: Step) -> None:
    assert understand(Heard(digits=key), STATE) == step


def test_nine_is_an_option_only_when_nine_are_offered() -> None:
    textable = CallState("CA1", 0, textable="Compton Centre, LS9 7BG", keys=3)
    assert understand(Heard(digits="9"), textable) == Step(Do.TEXT_ME)
    assert understand(Heard(digits="9"), CallState("CA1", 0, keys=9)) == Step(Do.ENGINE, "9")


@pytest.mark.parametrize(
    ("speech", "do"),
    [
        ("Repeat that.", Do.REPEAT),
        ("Say it again", Do.REPEAT),
        ("Could you repeat that?", Do.REPEAT),
        ("Slower, please.", Do.SLOWER),
        ("You're going too fast", Do.SLOWER),
        ("Normal speed", Do.FASTER),
        ("Text me this.", Do.TEXT_ME),
        ("Can you text me that?", Do.TEXT_ME),
    ],
)
def test_the_call_s_own_commands_said_on_their_own(speech: str, do: Do) -> None:
    assert understand(Heard(speech=speech), STATE).do is do


def test_a_command_inside_a_question_goes_to_the_engine() -> None:
    step = understand(Heard(speech="can you say again how to get free data"), STATE)
    assert step == Step(Do.ENGINE, "can you say again how to get free data")


@pytest.mark.parametrize(
    ("speech", "digit"), [("Two.", "2"), ("option 3", "3"), ("press four", "4"), ("1", "1")]
)
def test_a_spoken_number_is_the_key(speech: str, digit: str) -> None:
    assert spoken_digit(speech) == digit
    assert understand(Heard(speech=speech), STATE) == Step(Do.ENGINE, digit)


def test_a_spoken_postcode_is_read_back_before_the_engine_gets_it() -> None:
    step = understand(Heard(speech="L S nine, seven B G"), STATE)
    assert step == Step(Do.CHECK_POSTCODE, "LS9 7BG", "LS9 7BG")


def test_a_written_postcode_keeps_the_words_around_it() -> None:
    step = understand(Heard(speech="Where can I get help near LS9 7BG?"), STATE)
    assert step == Step(Do.CHECK_POSTCODE, "Where can I get help near LS9 7BG?", "LS9 7BG")
    assert message_for("help near ls97bg please", "LS9 7BG") == "help near LS9 7BG please"
    assert message_for("help near L S nine seven B G", "LS9 7BG") == "LS9 7BG"


def test_an_outward_code_on_its_own_is_read_back_too() -> None:
    assert understand(Heard(speech="L S nine"), STATE) == Step(Do.CHECK_POSTCODE, "LS9", "LS9")
    step = understand(Heard(speech="help near LS9 please"), STATE)
    assert step == Step(Do.CHECK_POSTCODE, "help near LS9 please", "LS9")
    assert understand(Heard(speech="I live in Harehills"), STATE) == Step(Do.ENGINE, "I live in Harehills")


def test_a_postcode_read_back_is_confirmed_by_one_or_yes_and_redone_by_two_or_no() -> None:
    waiting = CallState("CA1", 0, postcode="LS9 7BG", confirmed_message="help near LS9 7BG")
    assert understand(Heard(digits="1"), waiting) == Step(Do.ENGINE, "help near LS9 7BG")
    assert understand(Heard(speech="Yes, that's right."), waiting) == Step(Do.ENGINE, "help near LS9 7BG")
    assert understand(Heard(speech="One"), waiting) == Step(Do.ENGINE, "help near LS9 7BG")
    assert understand(Heard(digits="2"), waiting) == Step(Do.POSTCODE_AGAIN)
    assert understand(Heard(speech="no"), waiting) == Step(Do.POSTCODE_AGAIN)
    said_again = understand(Heard(speech="L S nine seven B E"), waiting)
    assert said_again == Step(Do.CHECK_POSTCODE, "LS9 7BE", "LS9 7BE")
    # Without a postcode waiting, "yes" is the engine's (the confidence check's answer, say).
    assert understand(Heard(speech="yes"), STATE) == Step(Do.ENGINE, "yes")


def test_the_state_round_trips_and_a_new_call_keeps_only_the_conversation_s_place() -> None:
    state = CallState(
        "CA1", 5.0, said=("a",), options=("Press 1",), asks=True, silences=2, slow=True, postcode="LS9 7BG"
    )
    assert CallState.from_json(state.to_json()) == state
    assert CallState.from_json("not json") is None and CallState.from_json(None) is None
    later = state.for_call("CA2", 99.0)
    assert (later.call, later.started, later.silences, later.postcode) == ("CA2", 99.0, 0, None)
    assert later.said == ("a",) and later.slow and later.resumable()
    assert not CallState("CA1", 0, said=("Goodbye.",), asks=False).resumable()
    assert not CallState("CA1", 0, said=("Question?",), asks=True, ended=True).resumable()


def test_normalise() -> None:
    assert normalise("  You’re going TOO fast!! ") == "youre going too fast"


NUMBER_ASKED = CallState("CA1", 1000.0, said=("Which number should they ring instead?",), keys=1, number=True)


def test_a_number_keyed_in_goes_whole_to_the_gateway_when_a_number_was_asked_for() -> None:
    assert understand(Heard(digits="07700900123"), NUMBER_ASKED) == Step(Do.ENGINE, "07700900123")
    # One key is still an option (1: skip), and # is no menu when it ends a number.
    assert understand(Heard(digits="1"), NUMBER_ASKED) == Step(Do.ENGINE, "1")
    assert understand(Heard(digits="07700900123#"), NUMBER_ASKED) == Step(Do.ENGINE, "07700900123")
    # Not asked for: the first key alone, as ever (0 then means nothing, the digits are not sent).
    assert understand(Heard(digits="07700900123"), STATE).message != "07700900123"


@pytest.mark.parametrize(
    ("speech", "digits"),
    [
        ("oh seven seven double oh nine oh oh one two three", "07700900123"),
        ("0 7 7 0 0 9 0 0 1 2 3", "07700900123"),
        ("07700 900123", "07700900123"),
        ("zero one one three four nine six zero triple oh", "01134960000"),
    ],
)
def test_a_number_said_digit_by_digit_is_its_digits(speech: str, digits: str) -> None:
    assert spoken_number(speech) == digits
    assert understand(Heard(speech=speech), NUMBER_ASKED) == Step(Do.ENGINE, digits)


def test_words_that_are_not_a_number_are_no_number() -> None:
    assert spoken_number("skip") is None
    assert spoken_number("my number is oh seven seven") is None
    assert spoken_number("two") is None  # an option's key, not a phone number
    assert understand(Heard(speech="skip"), NUMBER_ASKED) == Step(Do.ENGINE, "skip")
