"""Speech hints for Twilio's recogniser: the words callers here are likely to say.

The Leeds place names (content/places/leeds.csv, the gazetteer the NLU and the geocoder read),
the knowledge-base topics' titles, and the call's own commands. Hints only help the recogniser
prefer these words; anything else is still heard. Twilio takes each hint up to 100 characters.
"""

from __future__ import annotations

from pathlib import Path

from bot.geo.places import load_places
from bot.kb.topics import load_topics

MAX_HINT_CHARS = 100
COMMANDS = (
    "menu",
    "repeat that",
    "say it again",
    "slower",
    "text me",
    "yes",
    "no",
    "privacy",
    "forget me",
    "find help near me",
    "check my confidence",
    "ask a question",
)


def speech_hints(places_file: Path, kb_dir: Path) -> str:
    """The hints as Twilio's `hints` attribute: comma-separated, each said once."""
    places = [place.name for place in load_places(places_file)] if places_file.exists() else []
    topics = [topic.title for topic in load_topics(kb_dir).values()] if kb_dir.is_dir() else []
    hints = dict.fromkeys(
        hint.strip()
        for hint in (*COMMANDS, *topics, *places)
        if hint.strip() and "," not in hint and len(hint) <= MAX_HINT_CHARS
    )
    return ", ".join(hints)
