"""The reports' chart geometry, without a browser: round axes, bars in proportion, nothing
drawn for a missing value, labels thinned when they would overlap."""

from __future__ import annotations

import pytest

from services.console.charts import (
    HEIGHT,
    MAX_LABELS,
    TOP,
    Series,
    bar_chart,
    nice_step,
    nice_ticks,
)


def test_ticks_start_at_zero_and_end_on_a_round_number_at_or_above_the_maximum() -> None:
    assert nice_ticks(100) == [0, 25, 50, 75, 100]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(0.9) == [0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(1234) == [0, 500, 1000, 1500]
    assert nice_ticks(0) == [0, 0.25, 0.5, 0.75, 1.0]  # an empty chart still has an axis
    assert nice_ticks(3, whole=True) == [0, 1, 2, 3]  # no half a ticket
    assert nice_ticks(1, whole=True) == [0, 1]


def test_a_step_is_one_two_two_and_a_half_or_five_times_a_power_of_ten() -> None:
    assert [nice_step(s, 4) for s in (4, 9, 10, 19, 40, 0.03)] == [1, 2.5, 2.5, 5, 10, 0.01]


def test_bars_stand_on_the_zero_line_in_proportion_to_their_values() -> None:
    chart = bar_chart(
        ["W47", "W48"],
        [Series("a", "A", (50.0, 100.0)), Series("b", "B", (25.0, None))],
        lambda v: f"{v:g}%",
        maximum=100,
    )
    assert chart.top_value == 100
    assert [t.text for t in chart.ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert chart.ticks[0].y == chart.bottom and chart.ticks[-1].y == TOP
    # A missing value draws no bar (not a zero one): three bars, not four.
    assert [(b.category, b.series) for b in chart.bars] == [("W47", 0), ("W47", 1), ("W48", 0)]
    full = chart.bottom - chart.top
    heights = [b.height for b in chart.bars]
    assert heights == [pytest.approx(full / 2), pytest.approx(full / 4), pytest.approx(full)]
    for bar in chart.bars:
        assert bar.y + bar.height == pytest.approx(chart.bottom)
        assert chart.left <= bar.x and bar.x + bar.width <= chart.right
    # Side by side in a category, the first series first; categories left to right.
    first, second, third = chart.bars
    assert first.x + first.width <= second.x < third.x
    assert chart.bars[2].text == "W48, A: 100%"
    assert chart.height == HEIGHT


def test_an_axis_grows_past_the_known_maximum_only_when_a_value_does() -> None:
    chart = bar_chart(["x"], [Series("n", "N", (130.0,))], str, maximum=100)
    assert chart.top_value == 150


def test_many_categories_are_labelled_sparsely_and_each_keeps_its_slot() -> None:
    names = [f"W{n}" for n in range(30)]
    chart = bar_chart(names, [Series("n", "N", tuple(1.0 for _ in names))], str, whole=True)
    labelled = [c.text for c in chart.columns if c.text]
    assert 1 < len(labelled) <= MAX_LABELS and labelled[0] == "W0"
    assert len(chart.columns) == 30 and len(chart.bars) == 30
    xs = [c.x for c in chart.columns]
    assert xs == sorted(xs)


def test_series_must_have_a_value_for_each_category() -> None:
    with pytest.raises(ValueError, match="series 'a'"):
        bar_chart(["x", "y"], [Series("a", "A", (1.0,))], str)
