"""The trend page's charts: value line, interval band, alert markers, threshold; self-contained."""

from __future__ import annotations

import re

from genjudge.monitor.page import line_chart


def test_chart_draws_band_line_alerts_and_threshold():
    svg = line_chart(
        ["w1", "w2", "w3"],
        [0.9, None, 0.7],
        [0.85, None, 0.6],
        [0.95, None, 0.8],
        marks=[False, False, True],
        threshold=0.75,
        title="accuracy",
    )
    assert svg.startswith('<svg viewBox="0 0 320 150"') and svg.endswith("</svg>")
    assert svg.count("<polygon") == 1  # the band over the windows that have an interval
    assert svg.count('class="alert"') == 1 and svg.count('class="point"') == 1  # no point for the gap
    assert 'class="threshold"' in svg
    assert "<title>w3: 0.700 (alert)</title>" in svg
    # every coordinate stays inside the view box
    for x, y in re.findall(r'cx="([\d.]+)" cy="([\d.]+)"', svg):
        assert 0 <= float(x) <= 320 and 0 <= float(y) <= 150


def test_chart_of_nothing_is_an_empty_figure_not_a_zero():
    svg = line_chart(["w1"], [None])
    assert "<circle" not in svg and "0.000" not in svg
