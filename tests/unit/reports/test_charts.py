from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from bot.reports import charts


@pytest.mark.parametrize(("value", "top"), [(0, 1), (1, 1), (3, 4), (7, 8), (52, 60), (100, 100), (101, 200)])
def test_the_axis_ends_on_a_round_number(value: int, top: int) -> None:
    assert charts.nice_ceiling(value) == top


def test_a_bar_chart_is_an_image_with_a_title_a_description_and_every_number() -> None:
    svg = str(charts.bar_chart("c1", "Top questions", "Scams: 5", [("Scams <script>", 5), ("Free data", 3)]))
    root = ET.fromstring(svg)  # well-formed, labels escaped
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.find("s:title", ns).text == "Top questions"
    assert root.find("s:desc", ns).text == "Scams: 5"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["Scams <script>", "5", "Free data", "3"]
    widths = [float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert widths[0] > widths[1] > 0
    assert "style=" not in svg, "the Content-Security-Policy forbids inline styles"


def test_long_labels_are_cut_and_an_empty_chart_says_so() -> None:
    svg = str(charts.bar_chart("c2", "t", "d", [("x" * 100, 1)]))
    assert "x" * 39 + "…" in svg and "x" * 41 not in svg
    assert "Nothing yet" in str(charts.bar_chart("c3", "t", "d", []))


def test_stacked_columns_show_each_weeks_total() -> None:
    series = [charts.Series("Web", [3, 0, 5], "#0072b2"), charts.Series("SMS", [1, 0, 0], "#009e73")]
    svg = str(charts.stacked_columns("c4", "Weekly", "9 people", ["2 Mar", "9 Mar", "16 Mar"], series))
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"4", "5", "2 Mar", "9 Mar", "16 Mar"} <= set(texts)
    assert len(list(root.iter("{http://www.w3.org/2000/svg}rect"))) == 3  # empty segments are not drawn
    assert not re.search(r"style=", svg)
