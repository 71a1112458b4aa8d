"""Writing a turn as one text: GSM-7, exact segment counts, numbered options, shortening."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.sms.render import (
    GSM_BASIC,
    GSM_EXTENSION,
    OPTIONS_HEADING,
    encoding,
    fit_reply,
    numbered_options,
    segments,
    sentences,
    short_links,
    sms_reply,
    to_gsm,
)
from bot.messages import BotMessage
from tests.readability import readability_problem

MORE = {"title": "More", "payload": "/more_detail"}
MENU = {"title": "Menu", "payload": "/help"}
FIND = {"title": "Find help near me", "payload": "/find_help"}
CHECK = {"title": "Check my confidence", "payload": "/start_confidence_check"}
ASK = {"title": "Ask a question", "payload": "/ask_question"}
# What the engine said on SMS for "LS9 7BG" (bot/venues/help_text.py), 447 characters.
VENUES = (
    "Help near LS9 7BG:\n"
    "1. Compton Centre Library and Community Hub, under 0.1 miles. Next: tomorrow, 1:30pm. LS9 7BG. "
    "Step-free, accessible toilet.\n"
    "2. Chapeltown Library at The Reginald Centre, 1.1 miles. Next: Tue 8 Dec, 2pm. LS7 3EX. "
    "Step-free, accessible toilet.\n"
    "3. Leeds Playhouse, 1.3 miles. Next: tomorrow, 2pm. Book first. LS2 7UP. Step-free, accessible toilet.\n"
    "Send MORE for more places.\n"
    "Contains OS data (c) Crown copyright and database right"
)
# A "More" answer: long, with its links at the end.
FULL_ANSWER = (
    "The National Databank gives free SIM cards to people who cannot afford to get online. "
    "It works like a food bank, but for data.\n"
    "- The SIMs come with data, calls and texts. They come from O2, Vodafone and Three.\n"
    "- Some have 40GB of data a month for 6 months.\n"
    "- You usually need to be 18 or over and on a low income.\n"
    "- You get the SIM from a local group, not from the phone shop.\n"
    "In Leeds, free SIMs are given out by groups in the community. "
    "Ask a Digital Champion or at your library.\n"
    "If your data has run out, you can use the free Wi-Fi at any Leeds library.\n\n"
    "Good Things Foundation (runs the National Databank): https://www.goodthingsfoundation.org/\n"
    "100% Digital Leeds: https://digitalinclusionleeds.com/"
)


# ---- segments ----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        ("€" * 80, 1),  # extension characters take two septets
        ("€" * 81, 2),
        ("a" * 152 + "€", 1),
        # 152 plain + one € that would straddle the part boundary: it moves to the next part.
        ("a" * 152 + "€" + "a" * 10, 2),
        ("a" * 306 + "{", 3),
        ("é" * 160, 1),  # é is in GSM-7's basic set
        ("ç" * 70, 1),  # ç is not (only Ç is): UCS-2
        ("ç" * 71, 2),
        ("ç" * 134, 2),
        ("ç" * 135, 3),
        ("😀" * 35, 1),  # astral characters are two UCS-2 code units
        ("😀" * 36, 2),
    ],
)
def test_segments_are_counted_as_networks_count_them(text: str, expected: int) -> None:
    assert segments(text) == expected


def test_every_extension_character_costs_two_septets() -> None:
    assert len(GSM_EXTENSION) == 9, GSM_EXTENSION  # ^ { } \\ [ ~ ] | €
    for char in GSM_EXTENSION:
        assert segments(char * 80) == 1 and segments(char * 81) == 2, char


# ---- GSM-7 ----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It\u2019s \u201cfree\u201d", 'It\'s "free"'),
        ("9am \u2013 5pm \u2014 Mon", "9am - 5pm - Mon"),
        ("Wait\u2026", "Wait..."),
        ("\u00a9 Crown copyright", "(c) Crown copyright"),
        ("0113\u00a0222\u20094444", "0113 222 4444"),
        ("Great \U0001f44d\U0001f3fd news \u2764\ufe0f!", "Great news !"),
        ("Say hi \U0001f44b", "Say hi"),
        ("na\u00efve caf\u00e9 \u0141\u00f3d\u017a", "naive café Lodz"),
        ("tab\tand\r\nnewline", "tab and\nnewline"),
        ("bell\x07 and\x0b vt", "bell and vt"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_text_is_converted_to_gsm7(text: str, expected: str) -> None:
    converted = to_gsm(text)
    assert converted == expected
    assert encoding(converted) == "GSM-7"


def test_other_scripts_are_kept_and_counted_as_ucs2() -> None:
    text = to_gsm("Salam \u0633\u0644\u0627\u0645")
    assert "\u0633\u0644\u0627\u0645" in text
    assert encoding(text) == "UCS-2"


@given(st.text(max_size=300))
def test_converted_text_is_safe_to_send(text: str) -> None:
    converted = to_gsm(text)
    # No control characters (they would make the TwiML invalid XML), no emoji.
    assert all(char == "\n" or ord(char) >= 32 for char in converted)
    assert not any(0x1F300 <= ord(char) <= 0x1FAFF for char in converted)
    assert to_gsm(converted) == converted


# ---- links and options ----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See https://www.gov.uk/apply-for-help.", "See gov.uk/apply-for-help."),
        ("Go to http://digitalinclusionleeds.com/", "Go to digitalinclusionleeds.com"),
        ("www.nhs.uk/nhs-app (free)", "nhs.uk/nhs-app (free)"),
        ("(https://example.org/a_(b))", "(example.org/a_(b))"),
        ("Email report@phishing.gov.uk", "Email report@phishing.gov.uk"),
    ],
)
def test_links_lose_their_scheme_and_www(text: str, expected: str) -> None:
    assert short_links(text) == expected


def test_options_are_numbered_one_a_line() -> None:
    text = numbered_options([FIND, CHECK, ASK])
    assert text == f"{OPTIONS_HEADING}\n1 Find help near me\n2 Check my confidence\n3 Ask a question"
    assert numbered_options([]) == ""
    assert readability_problem("What would you like to do? " + text.replace("\n", ". ")) is None


def test_options_follow_the_gateways_order_without_repeats() -> None:
    """`offered_options` is what a typed number maps to: the SMS numbers must be the same."""
    messages = [BotMessage("A", [MORE, MENU]), BotMessage("B", [FIND, MENU])]
    reply = sms_reply(messages)
    assert reply.endswith("Reply with a number:\n1 More\n2 Menu\n3 Find help near me")
    assert reply.startswith("A\n\nB\n\n")


# ---- shortening ----


def test_a_short_reply_is_left_alone() -> None:
    text = "What's your postcode? Or the name of your area, like Harehills."
    assert fit_reply([text], []) == text


def test_sentences_do_not_end_at_list_numbers_or_abbreviations() -> None:
    line = "1. Compton Centre, e.g. the hub. Next: tomorrow. St. Mary's is closed."
    assert sentences(line) == ["1. Compton Centre, e.g. the hub.", "Next: tomorrow.", "St. Mary's is closed."]


def test_a_venue_list_keeps_its_options_and_the_map_data_notice() -> None:
    reply = sms_reply([BotMessage(VENUES, [{"title": "More", "payload": "/more_results"}, MENU])])
    assert segments(reply) <= 3
    assert reply.endswith("Reply with a number:\n1 More\n2 Menu")
    assert "Contains OS data (c) Crown copyright and database right" in reply
    assert "3. Leeds Playhouse" in reply


def test_a_long_answer_is_shortened_at_sentences_and_keeps_its_links() -> None:
    reply = sms_reply([BotMessage(FULL_ANSWER, [FIND, MENU])])
    assert segments(reply) <= 3
    assert reply.startswith("The National Databank gives free SIM cards")
    assert "goodthingsfoundation.org" in reply and "https://" not in reply and "www." not in reply
    assert reply.endswith("Reply with a number:\n1 Find help near me\n2 Menu")
    assert "library.\n\nGood" not in reply  # the last sentences went, whole
    body = reply.split("\n\nReply with a number:")[0]
    for line in body.split("\n"):
        assert line.rstrip().endswith((".", ":", "org", "com")), line


def test_a_shortened_answer_keeps_more() -> None:
    long = " ".join(f"Sentence number {i} says something useful about free data." for i in range(40))
    reply = sms_reply([BotMessage(long, [MORE, FIND, MENU])])
    assert segments(reply) <= 3
    assert "1 More\n2 Find help near me\n3 Menu" in reply
    assert reply.split("\n\n")[0].endswith("free data.")


def test_one_enormous_sentence_is_cut_at_a_word() -> None:
    words = " ".join(["broadband"] * 200)
    reply = fit_reply([words], [MENU])
    assert segments(reply) <= 3
    body = reply.split("\n\n")[0]
    assert body.endswith("broadband...")
    assert all(word == "broadband" for word in body.removesuffix("...").split(" "))


def test_a_unicode_reply_is_kept_to_three_ucs2_segments() -> None:
    text = " ".join(["\u0633\u0644\u0627\u0645."] * 100)
    reply = fit_reply([text], [MENU])
    assert encoding(reply) == "UCS-2" and segments(reply) <= 3


def test_a_reply_is_never_only_a_link() -> None:
    reply = fit_reply(["https://www.gov.uk/free-data"], [])
    assert reply == "You can find out more at gov.uk/free-data"


def test_many_options_that_cannot_all_fit_keep_more_and_their_numbers() -> None:
    options = [MORE] + [
        {"title": f"Option with a very long title number {i}", "payload": f"/x{i}"} for i in range(20)
    ]
    reply = fit_reply(["Pick one."], options)
    assert segments(reply) <= 3
    assert "\n1 More\n2 Option with a very long title number 0" in reply
    numbers = [int(line.split(" ")[0]) for line in reply.split("\n") if line[:1].isdigit()]
    assert numbers == list(range(1, len(numbers) + 1))


@given(
    st.lists(st.text(alphabet=[*sorted(GSM_BASIC | GSM_EXTENSION), "😀", "ç", " "], max_size=700), max_size=4)
)
def test_any_turn_fits_in_three_segments(texts: list[str]) -> None:
    reply = fit_reply(texts, [MORE, FIND, MENU])
    assert segments(reply) <= 3
    assert reply.endswith("1 More\n2 Find help near me\n3 Menu")
