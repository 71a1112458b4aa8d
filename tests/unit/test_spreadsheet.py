"""Cells made safe for spreadsheets, and read back as they were (bot/spreadsheet.py)."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from bot.spreadsheet import FORMULA_START, safe_cell, unsafe_cell

cells = st.one_of(
    st.text(),
    st.builds(lambda a, b, c: a + b + c, st.text("'", max_size=3), st.sampled_from(FORMULA_START), st.text()),
)


@given(cells)
def test_no_written_cell_starts_a_formula_and_every_cell_reads_back(value: str) -> None:
    written = safe_cell(value)
    assert isinstance(written, str)
    assert not written.startswith(FORMULA_START) or written.lstrip("+-").replace(".", "").isdigit()
    out = io.StringIO()
    csv.writer(out).writerow([written])
    [[read]] = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert unsafe_cell(read) == value


def test_the_rule_in_examples() -> None:
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("\t=1") == "'\t=1" and safe_cell("'=1") == "''=1"
    assert safe_cell("-1.548") == "-1.548" and safe_cell("+3") == "+3" and safe_cell(7) == 7
    assert safe_cell("'Tis") == "'Tis" and unsafe_cell("'Tis") == "'Tis"
    assert unsafe_cell("'-1.5") == "-1.5", "a spreadsheet's own text marker goes too"
