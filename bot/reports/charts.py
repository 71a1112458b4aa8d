"""Charts drawn on the server as SVG: no JavaScript, nothing from another site, CSP-safe.

Each chart is an image with a title and a one-sentence description for screen readers (the
numbers themselves are in a table beside it, and in the CSV). Colours are the Okabe-Ito set,
which people with colour blindness can tell apart, and every bar also carries its number.
Only presentation attributes are used (no `style`), so the Content-Security-Policy allows them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

INK = "#0b0c0c"
GRID = "#b1b4b6"
BAR = "#1d70b8"
SERIES_COLOURS = {"web": "#0072b2", "telegram": "#e69f00", "sms": "#009e73", "voice": "#cc79a7"}
OTHER_COLOUR = "#6e6e6e"
FONT = 15
MAX_LABEL_CHARS = 40


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]
    colour: str


def nice_ceiling(value: float) -> int:
    """The smallest round number (1, 2, 4, 6, 8 or 10 x 10^n) at or above `value`, at least 1.

    All of them halve into whole numbers, for the middle line of the axis.
    """
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 6, 8, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1].rstrip() + "…"


def _frame(chart_id: str, title: str, summary: str, width: int, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" focusable="false">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>' + "".join(body) + "</svg>"
    )


def bar_chart(chart_id: str, title: str, summary: str, items: Sequence[tuple[str, int]]) -> Markup:
    """Horizontal bars, each with its label above it and its number at its end (reads on a phone)."""
    width, row, value_room = 320, 46, 56
    height = max(row * len(items), row) + 8
    top = max((count for _, count in items), default=0)
    scale = (width - value_room) / max(top, 1)
    body = []
    for index, (label, count) in enumerate(items):
        y = index * row + 4
        bar = max(count * scale, 2 if count else 0)
        name = escape(_short(label))
        body.append(f'<text x="0" y="{y + 16}" font-size="{FONT}" fill="{INK}">{name}</text>')
        body.append(f'<rect x="0" y="{y + 22}" width="{bar:.1f}" height="16" fill="{BAR}"/>')
        body.append(
            f'<text x="{bar + 6:.1f}" y="{y + 35}" font-size="{FONT}" font-weight="bold" fill="{INK}">'
            f"{count:,}</text>"
        )
    if not items:
        body.append(f'<text x="0" y="28" font-size="{FONT}" fill="{INK}">Nothing yet in this period.</text>')
    return _frame(chart_id, title, summary, width, height, body)


def stacked_columns(
    chart_id: str, title: str, summary: str, labels: Sequence[str], series: Sequence[Series]
) -> Markup:
    """One column per week, split by channel, with the week's total above it."""
    width, height = 640, 320
    left, right, top_margin, bottom = 44, 8, 24, 48
    plot_w, plot_h = width - left - right, height - top_margin - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    axis_top = nice_ceiling(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    column = slot * 0.7
    body = []
    for tick in (0, axis_top / 2, axis_top) if axis_top > 1 else (0, axis_top):
        y = top_margin + plot_h - tick / axis_top * plot_h
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(
            f'<text x="{left - 6}" y="{y + 5:.1f}" font-size="13" text-anchor="end" fill="{INK}">'
            f"{tick:,g}</text>"
        )
    every = max(1, math.ceil(len(labels) / 13))
    for index, label in enumerate(labels):
        x = left + index * slot + (slot - column) / 2
        base: float = top_margin + plot_h
        for part in series:
            value = part.values[index]
            if not value:
                continue
            h = value / axis_top * plot_h
            base -= h
            body.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{column:.1f}" height="{h:.1f}" '
                f'fill="{part.colour}" stroke="#ffffff" stroke-width="1"/>'
            )
        centre = x + column / 2
        if totals[index] and len(labels) <= 26:
            body.append(
                f'<text x="{centre:.1f}" y="{base - 5:.1f}" font-size="12" text-anchor="middle" '
                f'fill="{INK}">{totals[index]:,}</text>'
            )
        if index % every == 0:
            body.append(
                f'<text x="{centre:.1f}" y="{height - bottom + 20}" font-size="13" text-anchor="middle" '
                f'fill="{INK}">{escape(label)}</text>'
            )
    return _frame(chart_id, title, summary, width, height, body)
