"""Bar charts' geometry for the reports pages: scales, ticks and bars in SVG user units.

Plain Python, no I/O: the template draws what this computes, so a chart's numbers can be
tested without a browser. One chart is a row of categories (weeks, channels, age buckets),
each with one bar per series, on a value axis from zero to a round number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# The drawing's own units; the SVG scales to its box. Narrow on purpose: at 390 px a 480-wide
# drawing keeps three quarters of its text size, a 640-wide one barely half.
WIDTH = 480
HEIGHT = 240
LEFT = 44  # room for the value axis' labels
RIGHT = 8
TOP = 12
BOTTOM = 30  # room for the categories' labels
GAP = 0.25  # of a category's width, left empty between neighbours
# Past this many categories not every one is labelled, or the labels would overlap.
MAX_LABELS = 9


@dataclass(frozen=True)
class Series:
    key: str  # also its CSV column
    name: str  # as the legend says it
    values: tuple[float | None, ...]  # one per category; None: no value (nothing measured)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    category: str
    text: str  # the value as a reader reads it, for the bar's tooltip


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class Column:
    x: float  # the category's centre
    text: str  # empty: left unlabelled to avoid overlap


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float  # the zero line's y
    top_value: float
    ticks: tuple[Tick, ...]
    columns: tuple[Column, ...]
    bars: tuple[Bar, ...]


def nice_step(span: float, count: int) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) cutting ``span`` into about
    ``count`` parts."""
    if span <= 0:
        return 1.0
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))


def nice_ticks(maximum: float, count: int = 4, *, whole: bool = False) -> list[float]:
    """Tick values from zero to the first round number at or above ``maximum``; ``whole``:
    counts of things, whose steps are whole numbers."""
    maximum = max(maximum, 0.0)
    if maximum == 0:
        maximum = 1.0
    step = nice_step(maximum, count)
    if whole:
        step = max(math.ceil(step), 1)
    steps = math.ceil(maximum / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str],
    *,
    maximum: float | None = None,
    whole: bool = False,
) -> BarChart:
    """Grouped bars: each category a slot, each series a bar in it, in the series' order.
    ``maximum``: the axis' top when it is known (100 for a share in per cent)."""
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.key!r}: {len(s.values)} values, not {len(categories)}")
    highest = max((v for s in series for v in s.values if v is not None), default=0.0)
    ticks = nice_ticks(max(highest, maximum or 0.0), whole=whole)
    top_value = ticks[-1]
    plot_left, plot_right = float(LEFT), float(WIDTH - RIGHT)
    plot_top, plot_bottom = float(TOP), float(HEIGHT - BOTTOM)

    def y_of(value: float) -> float:
        return plot_bottom - (plot_bottom - plot_top) * value / top_value

    slot = (plot_right - plot_left) / max(len(categories), 1)
    bar_width = slot * (1 - GAP) / max(len(series), 1)
    every = math.ceil(len(categories) / MAX_LABELS) if categories else 1
    columns, bars = [], []
    for i, category in enumerate(categories):
        start = plot_left + slot * i + slot * GAP / 2
        columns.append(Column(_r(plot_left + slot * (i + 0.5)), category if i % every == 0 else ""))
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            y = y_of(max(value, 0.0))
            bars.append(
                Bar(
                    x=_r(start + bar_width * j),
                    y=_r(y),
                    width=_r(bar_width),
                    height=_r(plot_bottom - y),
                    series=j,
                    category=category,
                    text=f"{category}, {s.name}: {fmt(value)}",
                )
            )
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        left=plot_left,
        right=plot_right,
        top=plot_top,
        bottom=plot_bottom,
        top_value=top_value,
        ticks=tuple(Tick(_r(y_of(t)), fmt(t)) for t in ticks),
        columns=tuple(columns),
        bars=tuple(bars),
    )


def _r(value: float) -> float:
    # Two decimals of a user unit are finer than any screen; shorter markup.
    return round(value, 2)
