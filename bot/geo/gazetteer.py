"""Find a Leeds place name in what the resident typed, using the gazetteer the NLU also reads.

`bot.geo.places` reads the file (standard library only, shared with the engine); this module
adds what the app needs on top: one cached copy per file, reloaded when staff edit it, and
matching inside a sentence ("I'm in Harehills, near the park").
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.geo.places import Place, index_by_spelling, load_places, normalise

log = logging.getLogger(__name__)
_MAX_WORDS = 4


@dataclass(frozen=True)
class Gazetteer:
    places: tuple[Place, ...]
    by_spelling: dict[str, Place]

    @classmethod
    def from_places(cls, places: list[Place]) -> Gazetteer:
        return cls(tuple(places), index_by_spelling(places))

    def find(self, text: str) -> Place | None:
        """The place named in `text`: the whole text first, then the longest run of words in it."""
        cleaned = normalise(text)
        if not cleaned:
            return None
        exact = self.by_spelling.get(cleaned)
        if exact is not None:
            return exact
        words = cleaned.split()
        for size in range(min(_MAX_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                place = self.by_spelling.get(" ".join(words[start : start + size]))
                if place is not None:
                    return place
        return None


EMPTY = Gazetteer((), {})
_cache: dict[Path, tuple[float, Gazetteer]] = {}
_lock = threading.Lock()


def load_gazetteer(path: Path) -> Gazetteer:
    """The gazetteer in `path`, cached until the file changes. A missing file gives an empty one."""
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        log.warning("Place gazetteer %s is missing: place names will not be recognised", path)
        return EMPTY
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        gazetteer = Gazetteer.from_places(load_places(path))
        _cache[path] = (mtime, gazetteer)
        return gazetteer
