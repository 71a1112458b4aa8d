"""Reading the TwiML a call is answered with, and what every answer must be (unit and e2e tests).

`read` parses the XML and checks, for every <Say>: at most MAX_SPOKEN_WORDS words (counted
plainly and as bot.voice counts them), no link and no emoji; and for the whole answer: a British
voice and language on every <Say>, and nothing that records the call.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from bot.voice.ear import MAX_SPOKEN_WORDS, spoken_words

URL = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:com|org|net|uk|gov|io|co)\b", re.IGNORECASE)


def has_emoji(text: str) -> bool:
    return any(
        unicodedata.category(char) in ("So", "Cs")
        or 0x1F000 <= ord(char) <= 0x1FAFF
        or 0x2600 <= ord(char) <= 0x27BF
        for char in text
    )


@dataclass(frozen=True)
class Answer:
    root: ET.Element
    says: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.says)

    @property
    def gather(self) -> ET.Element | None:
        return self.root.find("Gather")

    @property
    def hangs_up(self) -> bool:
        return self.root.find("Hangup") is not None

    @property
    def slow(self) -> bool:
        return any(say.find("prosody") is not None for say in self.root.iter("Say"))


def read(xml: bytes | str, *, voice: str = "Polly.Amy-Neural", language: str = "en-GB") -> Answer:
    root = ET.fromstring(xml)
    assert root.tag == "Response", root.tag
    says = []
    for say in root.iter("Say"):
        text = " ".join("".join(say.itertext()).split())
        assert text, "an empty <Say>"
        assert len(text.split()) <= MAX_SPOKEN_WORDS, f"{len(text.split())} words: {text!r}"
        assert spoken_words(text) <= MAX_SPOKEN_WORDS, f"{spoken_words(text)} spoken words: {text!r}"
        assert not URL.search(text), f"a link is read out: {text!r}"
        assert not has_emoji(text), f"an emoji is read out: {text!r}"
        assert say.get("voice") == voice and say.get("language") == language, say.attrib
        says.append(text)
    for element in root.iter():
        assert element.tag != "Record", "a call is never recorded"
        assert "record" not in {name.lower() for name in element.attrib}, element.attrib
    gathers = root.findall("Gather")
    assert len(gathers) <= 1
    if gathers:
        assert root.find("Hangup") is None
        assert gathers[0].get("input") == "speech dtmf" and gathers[0].get("language") == language
    else:
        assert root.find("Hangup") is not None, "an answer either listens or hangs up"
    return Answer(root, says)
