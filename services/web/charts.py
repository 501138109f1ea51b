"""Charts drawn on the server as SVG: they show without JavaScript and load nothing.

The drawing is sized to its bars (about 56 units each) and its text is large, so that scaled
down to a phone's width the labels stay readable; the legend is HTML beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import NamedTuple

MEDAL_COLOURS = {
    "gold": "#d4a017",
    "silver": "#9aa4ad",
    "bronze": "#b06a32",
    "excellence": "#5b8fd9",
}
FONT = 15
SLOT = 56


class Bar(NamedTuple):
    label: str  # short, under the bar (a year)
    parts: dict[str, int]  # series name -> value, stacked in MEDAL_COLOURS order
    title: str = ""  # in the tooltip (a competition code)


def stacked_bars(bars: Sequence[Bar], *, title: str, legend: dict[str, str]) -> str:
    """A stacked bar per label (e.g. medals per competition), with a y scale."""
    left, bottom, top = 44, 30, 12
    width = max(320, left + SLOT * len(bars) + 12)
    height = 240
    plot_w, plot_h = width - left - 12, height - bottom - top
    peak = max([sum(b.parts.values()) for b in bars] + [1])
    step = max(1, -(-peak // 5))
    scale_top = step * -(-peak // step)
    slot = plot_w / max(len(bars), 1)
    bar_w = min(40.0, slot * 0.65)
    out = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for tick in range(0, scale_top + 1, step):
        y = top + plot_h - plot_h * tick / scale_top
        out.append(
            f'<line x1="{left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7eb"/>'
            f'<text x="{left - 6}" y="{y + 5:.1f}" font-size="{FONT}" text-anchor="end" '
            f'fill="#5b6673">{tick}</text>'
        )
    for i, bar in enumerate(bars):
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h
        name = escape(bar.title or bar.label)
        for series, colour in MEDAL_COLOURS.items():
            value = bar.parts.get(series, 0)
            if not value:
                continue
            h = plot_h * value / scale_top
            y -= h
            out.append(
                f'<rect class="bar-{series}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{name}: '
                f"{escape(legend.get(series, series))} {value}</title></rect>"
            )
        out.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 21}" font-size="{FONT}" '
            f'text-anchor="middle" fill="#1d2733">{escape(bar.label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
