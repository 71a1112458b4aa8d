"""Replies for the ear: the bot's own content and venue replies, as the phone line will say them."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.db.models import Network
from bot.geo.locate import Location, Precision
from bot.kb.answers import full_answer, human_handoff, short_answer
from bot.kb.topics import load_topics
from bot.local import load_local
from bot.messages import apology
from bot.outbound.templates import Templates
from bot.venues.help_text import ERROR_MESSAGES, render_help_text
from bot.venues.nearest import NextSession
from bot.venues.schedule import LONDON
from bot.venues.search import HelpResult, VenueMatch
from bot.voice.ear import (
    MAX_SPOKEN_WORDS,
    for_the_ear,
    is_uk_mobile,
    links,
    say_options,
    say_phone_number,
    split_for_speech,
    spoken_words,
)

ROOT = Path(__file__).resolve().parents[3]
CONTENT = ROOT / "content"
# Thursday 3 December 2026, noon in Leeds: every date below is said relative to this.
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=LONDON)
TOPICS = load_topics(CONTENT / "kb")
LOCAL = load_local(CONTENT / "local.yml")

# What must never reach a <Say>: a web address, an email's @, a phone number in digits.
_LINK = re.compile(r"https?://|www\.|\b[\w-]+\.(?:uk|com|org)\b|@", re.IGNORECASE)
_DIGIT_PHONE = re.compile(r"\b0\d{2,4}\b|\b\d{3}\s\d{3,4}\b")


def _unspeakable(spoken: str) -> list[str]:
    problems = [f"link {match.group(0)!r}" for match in _LINK.finditer(spoken)]
    problems += [f"digits {match.group(0)!r}" for match in _DIGIT_PHONE.finditer(spoken)]
    problems += [f"symbol {char!r}" for char in spoken if unicodedata.category(char) == "So"]
    problems += [f"markdown {match.group(0)!r}" for match in re.finditer(r"\*\*|__|^#|^- ", spoken, re.M)]
    return problems


# ---- phone numbers ----


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("0113 378 5005", "oh one one three, three seven eight, five oh oh five"),  # a venue (venues.csv)
        ("0113 222 4444", "oh one one three, two two two, four four four four"),  # the helpline (local.yml)
        ("01133785005", "oh one one three, three seven eight, five oh oh five"),
        ("+44 113 378 5005", "oh one one three, three seven eight, five oh oh five"),
        ("+441133785005", "oh one one three, three seven eight, five oh oh five"),
        ("+44 (0)113 378 5005", "oh one one three, three seven eight, five oh oh five"),
        ("0800 99 1234", "oh eight hundred, nine nine, one two three four"),  # Pension Credit
        ("0800 328 5644", "oh eight hundred, three two eight, five six four four"),  # Universal Credit
        ("0300 123 2040", "oh three hundred, one two three, two oh four oh"),  # Report Fraud
        ("07700 900123", "oh seven seven oh oh, nine oh oh, one two three"),
        ("+447700900123", "oh seven seven oh oh, nine oh oh, one two three"),
        ("02079460000", "oh two oh, seven nine four six, oh oh oh oh"),
    ],
)
def test_phone_numbers_are_read_in_the_groups_people_say(written: str, spoken: str) -> None:
    assert say_phone_number(written) == spoken
    assert for_the_ear(f"Call {written}.", now=NOW) == f"Call {spoken}."


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("In an emergency, call 999.", "In an emergency, call nine nine nine."),
        ("For urgent help, call 111.", "For urgent help, call one one one."),
        ("Then call 159, or the number on the back of your card.", "Then call one five nine, or the"),
        ("Forward scam texts to 7726.", "Forward scam texts to seven seven two six."),
    ],
)
def test_short_numbers_are_said_digit_by_digit(text: str, spoken: str) -> None:
    assert for_the_ear(text, now=NOW).startswith(spoken)


def test_numbers_that_are_not_phone_numbers_are_left_alone() -> None:
    spoken = for_the_ear("100% Digital Leeds has 34 libraries. 263 Chapeltown Road. It costs £300.", now=NOW)
    assert spoken == "100% Digital Leeds has 34 libraries. 263 Chapeltown Road. It costs £300."


@pytest.mark.parametrize(
    ("number", "mobile"),
    [
        ("+447700900123", True),
        ("07700 900123", True),
        ("07911 123456", True),
        ("+44 (0)7911 123456", True),
        ("00447911123456", True),
        ("07624 123456", True),  # Isle of Man mobile
        ("+441133785005", False),  # a Leeds landline
        ("0113 378 5005", False),
        ("0800 99 1234", False),
        ("07623 123456", False),  # a pager
        ("07012 345678", False),  # a personal number
        ("0791112345", False),  # a digit short
        ("+33612345678", False),  # a French mobile
        ("", False),
    ],
)
def test_only_uk_mobiles_can_be_texted(number: str, mobile: bool) -> None:
    assert is_uk_mobile(number) is mobile


# ---- times and dates ----


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Next: Tue 8 Dec, 10am.", "Next: this Tuesday the eighth, ten a.m."),
        ("It starts at 10:00.", "It starts at ten a.m."),
        ("It starts at 14:30.", "It starts at two thirty p.m."),
        ("Help is on now until 12pm.", "Help is on now until twelve noon."),
        ("Open 12:00 to 13:05.", "Open twelve noon to one oh five p.m."),
        ("Next: today, 1:30pm.", "Next: today, one thirty p.m."),
        ("Monday to Friday, 8am to 6pm.", "Monday to Friday, eight a.m. to six p.m."),
        ("Open 10am-12pm.", "Open ten a.m. to twelve noon."),
        ("Open 10.30am to 4.15pm.", "Open ten thirty a.m. to four fifteen p.m."),
        ("Next: Fri 4 Dec, 2pm.", "Next: tomorrow, two p.m."),
        ("On 2026-12-09 at 10am.", "This Wednesday the ninth at ten a.m."),
        ("On 2026-12-19 at 10am.", "On Saturday the nineteenth of December at ten a.m."),
        ("Next: Tue 15 Dec, 10am.", "Next: Tuesday the fifteenth of December, ten a.m."),
        ("Next: Tue 5 Jan, 10am.", "Next: Tuesday the fifth of January, ten a.m."),
        ("Next: Tue 9 Dec, 10am.", "Next: Tuesday the ninth of December, ten a.m."),  # 9 Dec is a Wednesday
        ("Booked for 21/12/2026.", "Booked for Monday the twenty-first of December."),
        ("It closed on 1 March 2025.", "It closed on Saturday the first of March 2025."),
    ],
)
def test_times_and_dates_are_said_naturally(text: str, spoken: str) -> None:
    assert for_the_ear(text, now=NOW) == spoken


def test_a_day_already_called_tomorrow_is_said_in_full_not_twice() -> None:
    templates = Templates.load(CONTENT / "messages.yml")
    params = {
        "session": "Get online drop-in",
        "day": "Friday 4 December",
        "time": "10am",
        "place": "Leeds Central Library",
        "address": "Calverley Street, Leeds",
        "phone": "0113 378 5005",
    }
    reminder = templates.render("reminder", params, "voice").text
    assert reminder is not None
    assert for_the_ear(reminder, now=NOW) == (
        "Reminder: Get online drop-in is tomorrow, Friday the fourth of December, at ten a.m. "
        "It's at Leeds Central Library, Calverley Street, Leeds. "
        "Questions? Call oh one one three, three seven eight, five oh oh five."
    )


def test_a_relative_day_takes_no_preposition() -> None:
    assert for_the_ear("It is on Tue 8 Dec.", now=NOW) == "It is this Tuesday the eighth."


def test_without_a_clock_the_real_one_is_used() -> None:
    assert for_the_ear("At 10am.") == "At ten a.m."


# ---- links, emoji, markdown, postcodes, abbreviations ----


def test_links_are_not_read_out_and_the_sentence_still_reads() -> None:
    pension = TOPICS["pension_credit"].short_answer
    assert for_the_ear(pension, now=NOW).startswith(
        "If you have reached State Pension age, you claim Pension Credit, not Universal Credit. "
        "Apply online, or call the free claim line on oh eight hundred, nine nine, one two three four, "
        "Monday to Friday, eight a.m. to six p.m."
    )
    assert for_the_ear("To find out more, go to digitalinclusionleeds.com.", now=NOW) == (
        "To find out more, go online."
    )
    assert for_the_ear("Report it at reportfraud.police.uk.", now=NOW) == "Report it online."
    assert (
        for_the_ear("Read [the guide](https://example.org/guide) first.", now=NOW) == "Read the guide first."
    )


def test_a_list_of_titled_links_is_left_for_the_text_message() -> None:
    answer = full_answer(TOPICS["pension_credit"]).text
    spoken = for_the_ear(answer, now=NOW)
    assert "How to claim Pension Credit" not in spoken
    assert links(answer) == [
        "gov.uk/pension-credit",
        "https://www.gov.uk/pension-credit/how-to-claim",
        "https://www.gov.uk/pension-credit",
    ]


def test_a_brand_written_as_a_domain_is_said_not_dropped() -> None:
    assert for_the_ear("Find a job is a free GOV.UK website.", now=NOW) == (
        "Find a job is a free gov dot uk website."
    )
    assert links("Find a job is a free GOV.UK website.") == []


def test_an_email_address_is_said_with_at_and_dot() -> None:
    assert for_the_ear("Forward it to report@phishing.gov.uk.", now=NOW) == (
        "Forward it to report at phishing dot gov dot uk."
    )
    assert for_the_ear("Data questions: dpfoi@leeds.gov.uk.", now=NOW) == (
        "Data questions: D P F O I at leeds dot gov dot uk."
    )


def test_emoji_markdown_and_bullets_are_not_read() -> None:
    text = "**Good news** 🎉\n- Free *Wi-Fi* at the library 📶\n- Ask the staff ❤️\n# More\nThat's all 👍"
    assert for_the_ear(text, now=NOW) == (
        "Good news. Free Wi-Fi at the library. Ask the staff. More. That's all."
    )


def test_postcodes_are_said_as_letters_and_an_address_as_written() -> None:
    spoken = for_the_ear("Compton Centre, Harehills Lane, LS9 7BG. 12 Kirkgate, Leeds LS2 7DJ.", now=NOW)
    assert spoken == "Compton Centre, Harehills Lane, L S 9, 7 B G. 12 Kirkgate, Leeds L S 2, 7 D J."
    assert for_the_ear("Help near LS9:", now=NOW) == "Help near L S 9:"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Tel 0113 378 5005.", "Phone oh one one three, three seven eight, five oh oh five."),
        ("St Mary's Church, Hunslet.", "Saint Mary's Church, Hunslet."),
        ("2 Church St, Leeds.", "2 Church Street, Leeds."),
        ("5 Roundhay Rd.", "5 Roundhay Road."),
        ("9 Chapel Ave, Leeds.", "9 Chapel Avenue, Leeds."),
        ("Open Mon-Fri.", "Open Monday to Friday."),
        ("Open Tues – Thurs, 9:30 to 16:00.", "Open Tuesday to Thursday, nine thirty a.m. to four p.m."),
        ("Option 1 may help, and 4 months is long.", "Option 1 may help, and 4 months is long."),
        ("Bring ID, e.g. a passport.", "Bring ID, for example a passport."),
        ("Send MORE for more places.", "Say more for more places."),
        ("Choose an option or type your question.", "Choose an option or say your question."),
        ("Type FORGET ME to delete them.", "Say forget me to delete them."),
        ("Under 0.1 miles, or 1.0 miles.", "Under 0.1 miles, or 1 mile."),
    ],
)
def test_abbreviations_and_screen_words_are_said_in_full(text: str, spoken: str) -> None:
    assert for_the_ear(text, now=NOW) == spoken


def test_st_is_a_saint_unless_a_name_before_it_could_make_it_a_street() -> None:
    assert for_the_ear("Meet at the St John Centre", now=NOW) == "Meet at the Saint John Centre."
    assert for_the_ear("Go to 4 High St Leeds", now=NOW) == "Go to 4 High St Leeds."


# ---- the bot's real replies ----


def _venue(number: int, starts: datetime, **more: object) -> VenueMatch:
    values: dict[str, object] = {
        "venue_id": number,
        "name": "Compton Centre Library and Community Hub",
        "address": "Harehills Lane, Leeds",
        "postcode": "LS9 7BG",
        "phone": "0113 378 5005",
        "website": "https://www.leeds.gov.uk/libraries",
        "latitude": 53.81,
        "longitude": -1.51,
        "distance_km": 0.5 * number,
        "next_session": NextSession(
            1, "Get online drop-in", Network.GENERAL, starts, starts + timedelta(hours=2), False, "Free"
        ),
        "key_accessibility": ("step-free",),
        "is_sample": True,
    }
    values.update(more)
    return VenueMatch(**values)  # type: ignore[arg-type]


def test_a_venue_reply_is_said_with_its_day_time_postcode_and_phone() -> None:
    result = HelpResult(
        location=Location(53.8094, -1.5100, "LS9 7BG", Precision.POSTCODE),
        venues=(_venue(1, datetime(2026, 12, 8, 10, 0, tzinfo=LONDON)),),
        helpline="Leeds City Council on 0113 222 4444",
    )
    spoken = for_the_ear(render_help_text(result, now=NOW), now=NOW)
    assert spoken == (
        "Help near L S 9, 7 B G: Compton Centre Library and Community Hub, 0.3 miles. "
        "Next: this Tuesday the eighth, ten a.m. Harehills Lane, L S 9, 7 B G. "
        "Phone oh one one three, three seven eight, five oh oh five. Step-free. "
        "Contains OS data, Crown copyright and database right."
    )


def test_every_venue_reply_and_error_is_speakable() -> None:
    venues = tuple(
        _venue(n, NOW + timedelta(days=n, hours=n), name=f"Hub {n}", postcode=postcode)
        for n, postcode in enumerate(("LS9 7BG", "LS11 6PF", "LS27 8HZ"), start=1)
    )
    result = HelpResult(
        location=Location(53.8, -1.55, "LS9 7BG", Precision.POSTCODE),
        venues=venues,
        has_more=True,
        helpline="Leeds City Council on 0113 222 4444",
    )
    replies = [render_help_text(result, now=NOW), *ERROR_MESSAGES.values()]
    replies.append(render_help_text(HelpResult(location=result.location, helpline=result.helpline), now=NOW))
    for reply in replies:
        spoken = for_the_ear(reply, now=NOW)
        assert _unspeakable(spoken) == [], spoken


@pytest.mark.parametrize("name", sorted(TOPICS))
def test_every_knowledge_base_answer_is_speakable_in_parts_of_at_most_60_words(name: str) -> None:
    for reply in (short_answer(TOPICS[name]), full_answer(TOPICS[name])):
        spoken = for_the_ear(reply.text, now=NOW)
        assert _unspeakable(spoken) == [], spoken
        parts = split_for_speech(spoken)
        assert parts and all(spoken_words(part) <= MAX_SPOKEN_WORDS for part in parts)
        assert " ".join(parts).split() == spoken.split()


def test_the_helpline_and_the_apology_are_speakable() -> None:
    handoff = for_the_ear(human_handoff(LOCAL).text, now=NOW)
    assert "Leeds City Council on oh one one three, two two two, four four four four." in handoff
    sorry = apology(LOCAL).text
    assert sorry is not None
    assert _unspeakable(for_the_ear(sorry, now=NOW)) == []
    notice = for_the_ear(LOCAL.privacy.notice.format(days=30), now=NOW)
    assert notice == (
        "I'm a chatbot. I keep your messages for 30 days to help you, but not your name or number. "
        "Say privacy to find out more, or forget me to delete them."
    )


# ---- length and options ----


def test_spoken_words_counts_what_a_voice_says() -> None:
    assert spoken_words("I heard L S 9, 7 B G.") == 8
    assert spoken_words("It's free. Don't worry!") == 4
    assert spoken_words("") == 0


def test_a_long_reply_is_split_at_sentences_within_the_limit() -> None:
    sentences = [f"Sentence number {n} has exactly seven words." for n in range(1, 21)]
    parts = split_for_speech(" ".join(sentences), limit=20)
    assert all(spoken_words(part) <= 20 for part in parts)
    assert all(part.endswith(".") for part in parts)
    assert " ".join(parts) == " ".join(sentences)
    assert len(parts) == 10  # two sentences (14 words) a part; a third would make 21


def test_a_sentence_longer_than_the_limit_is_split_at_commas_then_words() -> None:
    sentence = ", ".join(f"item {n} here" for n in range(1, 30)) + "."
    parts = split_for_speech(sentence, limit=10)
    assert all(spoken_words(part) <= 10 for part in parts)
    assert " ".join(parts) == sentence
    endless = " ".join(["word"] * 25)
    assert [spoken_words(part) for part in split_for_speech(endless, limit=10)] == [10, 10, 5]


def test_times_do_not_end_a_sentence_when_splitting() -> None:
    text = "Open Monday to Friday, eight a.m. to six p.m. Book first."
    assert split_for_speech(text, limit=10) == [
        "Open Monday to Friday, eight a.m. to six p.m.",
        "Book first.",
    ]


def test_nothing_to_say_is_no_parts() -> None:
    assert split_for_speech("   ") == []


def test_options_are_read_as_keys_to_press() -> None:
    assert say_options(["Find help near you", "Ask a question", "Menu"]) == (
        "Press 1 for Find help near you, press 2 for Ask a question, press 3 for Menu, or just say it."
    )
    assert say_options(["Take the check again 👍"]) == "Press 1 for Take the check again, or just say it."
    assert say_options([]) == ""
    assert say_options(["Call 0113 222 4444", "Menu"]) == (
        "Press 1 for Call oh one one three, two two two, four four four four, "
        "press 2 for Menu, or just say it."
    )


# ---- anything at all ----

_PIECES = st.sampled_from(
    [
        "Call 0113 378 5005",
        "at 10am",
        "14:30",
        "Tue 9 Dec",
        "2026-12-09",
        "LS9 7BG",
        "gov.uk/x",
        "https://example.org/a?b=c",
        "a@b.uk",
        "🎉",
        "**",
        "- ",
        "\n",
        "St",
        "Rd",
        "£5",
        "999",
        ".",
        ",",
        ":",
        "Send MORE",
        "31/02/2026",
        "12:61",
        "13pm",
    ]
)


@given(st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=25).map(" ".join))
@settings(max_examples=300, deadline=None)
def test_any_text_is_made_speakable_without_error(text: str) -> None:
    spoken = for_the_ear(text, now=NOW)
    assert not [char for char in spoken if unicodedata.category(char) in ("So", "Cs", "Co")]
    # No web address is left to read out ("http" alone, as a word someone typed, is not one).
    assert not links(spoken) and "://" not in spoken and "\n" not in spoken
    parts = split_for_speech(spoken, limit=12)
    assert all(spoken_words(part) <= 12 for part in parts)
    assert " ".join(parts).split() == spoken.split()
