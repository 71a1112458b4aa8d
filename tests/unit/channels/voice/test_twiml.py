"""The TwiML a call is answered with: how it listens, how it sounds, and that it never records."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from bot.channels.voice import twiml
from bot.channels.voice.hints import speech_hints
from bot.settings import Settings, get_settings
from bot.voice.ear import MAX_SPOKEN_WORDS
from tests.voice_twiml import read

STYLE = twiml.VoiceStyle.from_settings(Settings(voice_tts_voice="Polly.Brian-Neural", voice_slow_rate="75%"))


def test_an_answer_listens_for_words_or_one_key_in_british_english() -> None:
    xml = twiml.gather(
        ["Hello."], style=STYLE, action="/webhooks/voice/twilio/gather", hints="menu, Harehills"
    )
    answer = read(xml, voice="Polly.Brian-Neural")
    gather = answer.gather
    assert gather is not None
    assert gather.attrib == {
        "input": "speech dtmf",
        "action": "/webhooks/voice/twilio/gather",
        "method": "POST",
        "language": "en-GB",
        "hints": "menu, Harehills",
        "speechTimeout": "auto",
        "timeout": "6",
        "numDigits": "1",
        "finishOnKey": "",
        "actionOnEmptyResult": "true",
    }
    assert answer.says == ["Hello."]
    assert [say.get("voice") for say in gather.iter("Say")] == ["Polly.Brian-Neural"]


def test_a_phone_number_asked_for_is_many_keys_ended_by_hash() -> None:
    xml = twiml.gather(["Which number?"], style=STYLE, action="/a", hints="", number=True)
    gather = read(xml, voice="Polly.Brian-Neural").gather
    assert gather is not None
    assert "numDigits" not in gather.attrib and gather.attrib["finishOnKey"] == "#"
    assert gather.attrib["input"] == "speech dtmf"  # or said


def test_the_voice_and_language_come_from_settings_alone() -> None:
    style = twiml.VoiceStyle.from_settings(
        Settings(voice_language="en-IE", voice_tts_voice="Polly.Niamh-Neural")
    )
    xml = twiml.gather(["Hello."], style=style, action="/a", hints="")
    gather = ET.fromstring(xml).find("Gather")
    assert gather is not None and gather.get("language") == "en-IE" and "hints" not in gather.attrib
    say = gather.find("Say")
    assert say is not None and say.attrib == {"voice": "Polly.Niamh-Neural", "language": "en-IE"}


def test_slower_is_an_ssml_prosody_rate_inside_the_say() -> None:
    answer = read(
        twiml.gather(["Hello there."], style=STYLE, action="/a", hints="", slow=True),
        voice="Polly.Brian-Neural",
    )
    prosody = answer.root.find("Gather/Say/prosody")
    assert prosody is not None and prosody.get("rate") == "75%" and prosody.text == "Hello there."
    assert answer.says == ["Hello there."]


def test_a_long_part_is_said_in_pieces_within_the_spoken_length() -> None:
    long = " ".join(f"Sentence number {n} is here." for n in range(40))
    answer = read(twiml.gather([long], style=STYLE, action="/a", hints=""), voice="Polly.Brian-Neural")
    assert len(answer.says) >= 3
    assert all(len(say.split()) <= MAX_SPOKEN_WORDS for say in answer.says)
    assert " ".join(answer.says).split() == long.split(), "nothing lost or added"


def test_goodbye_says_its_parts_then_hangs_up() -> None:
    answer = read(twiml.goodbye(["Goodbye."], style=STYLE), voice="Polly.Brian-Neural")
    assert answer.hangs_up and answer.gather is None and answer.says == ["Goodbye."]
    assert [element.tag for element in answer.root] == ["Say", "Hangup"]


def test_the_hints_are_the_places_the_topics_and_the_commands() -> None:
    settings = get_settings()
    hints = speech_hints(settings.places_file, settings.kb_dir).split(", ")
    assert {"Harehills", "Scams", "repeat that", "text me", "menu"} <= set(hints)
    assert len(hints) == len(set(hints)) and all(0 < len(hint) <= 100 for hint in hints)
    assert speech_hints(Path("/nonexistent.csv"), Path("/nonexistent")).startswith("menu")
