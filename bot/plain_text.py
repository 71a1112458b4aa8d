"""Text as residents type it, made plain: shared by the gateway and the channels (SMS keywords)."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# Half of a UTF-16 pair on its own ("\ud800" in JSON): not a character, and not encodable as
# UTF-8, so nothing after the gateway could store or send it.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: str) -> str:
    """NFC, no control or bidi-override characters or lone surrogates, single spaces. Newlines
    become spaces."""
    text = _SURROGATE.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def is_text(value: object) -> bool:
    """A string that can be encoded (no lone surrogates): safe to hash, store or send."""
    return isinstance(value, str) and not _SURROGATE.search(value)
