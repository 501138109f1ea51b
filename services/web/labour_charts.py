"""Charts of the labour-market pages, drawn on the server as SVG (no JavaScript, nothing loaded):
rank histories, pay by level, certificates per level per year."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import NamedTuple

PALETTE = ("#b3261e", "#0b5cab", "#2e7d32", "#d4a017", "#6a3d9a", "#00838f", "#8c5a2b",
           "#c2185b", "#5b6673", "#33691e")  # fmt: skip
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 280, 44, 16, 30, 44


class Line(NamedTuple):
    label: str
    points: dict[str, int]  # period → rank


class PayBox(NamedTuple):
    label: str
    p10: int
    p25: int
    p50: int
    p75: int
    p90: int
    minimum: int | None


class Stack(NamedTuple):
    label: str
    parts: list[int | None]  # per series; None: hidden, left out


def _open(title: str, height: int = HEIGHT) -> list[str]:
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]


def _text(x: float, y: float, text: str, anchor: str = "middle", colour: str = "#1d2733") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" text-anchor="{anchor}" fill="{colour}">'
        f"{escape(text)}</text>"
    )


def rank_lines(lines: Sequence[Line], periods: Sequence[str], *, title: str) -> str:
    """Ranks over periods, rank 1 at the top; a gap where an occupation was not listed."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT - 150, HEIGHT - TOP - BOTTOM
    worst = max([r for line in lines for r in line.points.values()] + [2])
    step = plot_w / max(len(periods) - 1, 1)
    out = _open(title)

    def y(rank: int) -> float:
        return TOP + plot_h * (rank - 1) / (worst - 1)

    for rank in sorted({1, worst, *range(5, worst, 5)}):
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(rank):.1f}" y2="{y(rank):.1f}" '
            'stroke="#e3e7eb"/>' + _text(LEFT - 6, y(rank) + 4, str(rank), "end", "#5b6673")
        )
    for i, period in enumerate(periods):
        out.append(_text(LEFT + step * i, TOP + plot_h + 18, period))
    for n, line in enumerate(lines):
        colour = PALETTE[n % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, period in enumerate(periods):
            rank = line.points.get(period)
            if rank is None:
                runs.append([])
                continue
            x = LEFT + step * i
            runs[-1].append(f"{x:.1f},{y(rank):.1f}")
            out.append(
                f'<circle cx="{x:.1f}" cy="{y(rank):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(line.label)} {escape(period)}: {rank}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                out.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    'stroke-width="2"/>'
                )
        out.append(
            f'<rect x="{WIDTH - 160}" y="{TOP + 14 * n - 8}" width="10" height="10" '
            f'fill="{colour}"/>' + _text(WIDTH - 146, TOP + 14 * n + 1, line.label[:14], "start")
        )
    out.append("</svg>")
    return "".join(out)


def pay_boxes(boxes: Sequence[PayBox], *, title: str, minimum_label: str) -> str:
    """One row per level: P10–P90 whisker, P25–P75 box, P50 line, minimum-pay tick."""
    row_h = 34
    height = TOP + row_h * len(boxes) + BOTTOM
    top_value = max([b.p90 for b in boxes] + [1])
    tick = next(t for t in (500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 10**9)
                if top_value / t <= 6)  # fmt: skip
    scale_max = -(-top_value // tick) * tick
    plot_w = WIDTH - LEFT - RIGHT - 110
    x0 = LEFT + 110

    def x(value: int) -> float:
        return x0 + plot_w * value / scale_max

    out = _open(title, height)
    for value in range(0, scale_max + 1, tick):
        out.append(
            f'<line x1="{x(value):.1f}" x2="{x(value):.1f}" y1="{TOP - 6}" '
            f'y2="{height - BOTTOM + 6}" stroke="#e3e7eb"/>'
            + _text(x(value), height - BOTTOM + 22, f"{value:,}", colour="#5b6673")
        )
    if any(b.minimum is not None for b in boxes):
        out.append(
            f'<path d="M{x0:.1f},{TOP - 18} l-4,7 h8 z" fill="#2e7d32"/>'
            + _text(x0 + 8, TOP - 11, minimum_label, "start")
        )
    for i, b in enumerate(boxes):
        mid = TOP + row_h * i + row_h / 2
        out.append(_text(x0 - 8, mid + 4, b.label, "end"))
        out.append(
            f'<line x1="{x(b.p10):.1f}" x2="{x(b.p90):.1f}" y1="{mid:.1f}" y2="{mid:.1f}" '
            'stroke="#5b6673"/>'
            f'<rect x="{x(b.p25):.1f}" y="{mid - 9:.1f}" width="{x(b.p75) - x(b.p25):.1f}" '
            f'height="18" fill="#dfe9fb" stroke="#0b5cab"><title>{escape(b.label)}: P10 '
            f"{b.p10} P25 {b.p25} P50 {b.p50} P75 {b.p75} P90 {b.p90}</title></rect>"
            f'<line x1="{x(b.p50):.1f}" x2="{x(b.p50):.1f}" y1="{mid - 9:.1f}" '
            f'y2="{mid + 9:.1f}" stroke="#b3261e" stroke-width="2"/>'
        )
        if b.minimum is not None:
            out.append(
                f'<path d="M{x(b.minimum):.1f},{mid + 11:.1f} l-4,7 h8 z" fill="#2e7d32">'
                f"<title>{escape(minimum_label)}: {b.minimum}</title></path>"
            )
    out.append("</svg>")
    return "".join(out)


def stacked(stacks: Sequence[Stack], series: Sequence[str], *, title: str) -> str:
    """A bar per label stacked by series; hidden parts (None) are left out."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM - 24
    peak = max([sum(p or 0 for p in s.parts) for s in stacks] + [1])
    step = max(1, -(-peak // 5))
    scale_top = step * -(-peak // step)
    slot = plot_w / max(len(stacks), 1)
    bar_w = min(56.0, slot * 0.6)
    out = _open(title)
    for tick in range(0, scale_top + 1, step):
        y = TOP + 24 + plot_h - plot_h * tick / scale_top
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7eb"/>'
            + _text(LEFT - 6, y + 4, f"{tick:,}", "end", "#5b6673")
        )
    for i, s in enumerate(stacks):
        x = LEFT + slot * i + (slot - bar_w) / 2
        y = TOP + 24 + plot_h
        for n, value in enumerate(s.parts):
            if not value:
                continue
            h = plot_h * value / scale_top
            y -= h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(s.label)} '
                f"{escape(series[n])}: {value}</title></rect>"
            )
        out.append(_text(x + bar_w / 2, TOP + 24 + plot_h + 16, s.label))
    x = float(LEFT)
    for n, name in enumerate(series):
        out.append(
            f'<rect x="{x:.1f}" y="8" width="10" height="10" fill="{PALETTE[n % len(PALETTE)]}"/>'
            + _text(x + 14, 17, name, "start")
        )
        x += 24 + 7 * len(name)
    out.append("</svg>")
    return "".join(out)
