"""The heat map marks weak exactly the slices the weak-slice findings name, and hatches small ones."""

from __future__ import annotations

import json

import pytest

from genjudge.report.heatmap import heat_maps, is_weak


def cells(maps):
    return [c for h in maps for row in h.rows for c in row.cells if c is not None]


@pytest.mark.parametrize("name", ["tickets", "summaries", "sroie"])
def test_weak_cells_are_the_weak_slice_findings(example_report, name):
    data = json.loads((example_report(name) / "report.json").read_text(encoding="utf-8"))
    maps = heat_maps(data)
    marked = {
        f"{h.column}={value}"
        for h in maps
        for row in h.rows
        for value, c in zip(h.values, row.cells, strict=True)
        if c is not None and c.weak
    }
    codes = ("weak_slice", "weak_critical_slice", "hard_slice")
    named = {case.split(": ", 1)[0] for f in data["findings"] if f["code"] in codes for case in f["cases"]}
    assert marked == named
    assert {h.column for h in maps} == set(data["set"]["slices"])
    small = {(s["column"], s["value"]) for s in data["slices"] if s["too_small"]}
    for h in maps:
        for value, size in zip(h.values, h.sizes, strict=True):
            if (h.column, value) in small:
                assert size is not None and size < data["settings"]["min_support"]
    assert not any(c.weak and c.too_small for c in cells(maps))


def metric(value, ci_low, ci_high, name="accuracy_score", **extra):
    return {
        "metric": name,
        "family": "quality",
        "subject": "student",
        "value": value,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "too_small": False,
        "n": 100,
        "slice_column": "c",
        "slice_value": "v",
        **extra,
    }


def whole(value, **extra):
    return metric(value, value - 0.01, value + 0.01, slice_column=None, slice_value=None, n=1000, **extra)


def test_weak_needs_the_gap_and_a_clear_interval():
    assert is_weak(metric(0.70, 0.62, 0.78), whole(0.85), gap=0.05)
    assert not is_weak(metric(0.70, 0.62, 0.86), whole(0.85), gap=0.05)  # interval reaches overall
    assert not is_weak(metric(0.82, 0.80, 0.84), whole(0.85), gap=0.05)  # under the material gap
    assert not is_weak(metric(0.70, 0.62, 0.78, too_small=True), whole(0.85), gap=0.05)
    assert not is_weak(metric(0.70, 0.62, 0.78, subject="teacher"), whole(0.85), gap=0.05)
    assert not is_weak(metric(0.70, 0.62, 0.78, name="macro_f1_score"), whole(0.85), gap=0.05)


def test_lower_is_better_metrics_are_weak_above():
    rate = "judge_position_inconsistency_rate"
    assert is_weak(
        metric(0.30, 0.22, 0.38, name=rate, family="fidelity"),
        whole(0.10, name=rate, family="fidelity"),
        gap=0.05,
    )
    assert not is_weak(
        metric(0.02, 0.0, 0.05, name=rate, family="fidelity"),
        whole(0.10, name=rate, family="fidelity"),
        gap=0.05,
    )


def test_macro_averages_stay_neutral(example_report):
    from genjudge.report.heatmap import NEUTRAL

    data = json.loads((example_report("tickets") / "report.json").read_text(encoding="utf-8"))
    rows = [row for h in heat_maps(data) for row in h.rows]
    macro = [c for row in rows if row.label.startswith("macro_") for c in row.cells if c]
    assert macro and all(c.colour == NEUTRAL and not c.weak for c in macro)
    assert any(
        c.colour != NEUTRAL for row in rows if not row.label.startswith("macro_") for c in row.cells if c
    )
