"""Calibration and per-slice operations as display tables, and the reliability diagram's points.

Teacher and student side by side: on the whole set and on every slice, each calibration error with
its interval; the reliability diagram (per bin: mean confidence against accuracy, point size by
count); the temperature fitted by cross-validation. Operations per slice: median and P95 latency of
both models with their order-statistic intervals, and what the student saves there.
"""

from __future__ import annotations

from typing import Any

from genjudge.formatting import MISSING, format_interval
from genjudge.formatting import format_number as fmt
from genjudge.report.view import Table, ci_header

__all__ = ["calibration_table", "operations_slice_table", "reliability_plot", "temperature_table"]

SIDES = ("student", "teacher")
CALIBRATION_METRICS = (
    ("expected_calibration_error", "ECE"),
    ("equal_mass_calibration_error", "ECE (equal mass)"),
    ("brier_score_loss", "Brier"),
    ("log_loss", "NLL"),
)


def _cell(m: dict[str, Any] | None) -> str:
    if m is None or m.get("value") is None:
        return MISSING
    small = " (too small)" if m.get("too_small") else ""
    return f"{fmt(m['value'])} [{format_interval(m.get('ci_low'), m.get('ci_high'))}]{small}"


def calibration_table(report: dict[str, Any]) -> Table | None:
    """Rows: the whole set, then every slice value; columns: each calibration metric, student then
    teacher, with its interval."""
    wanted = {name for name, _ in CALIBRATION_METRICS}
    index: dict[tuple[Any, ...], dict[str, Any]] = {}
    for m in report.get("metrics", []):
        if m["metric"] in wanted and m.get("label") is None and m["subject"] in SIDES:
            index[(m.get("slice_column"), m.get("slice_value"), m["metric"], m["subject"])] = m
    if not index:
        return None
    groups = list(dict.fromkeys((k[0], k[1]) for k in index))
    groups.sort(key=lambda g: (g[0] is not None, str(g[0]), str(g[1])))
    header = ["slice", "n (student)"]
    header += [f"{label} {side}" for _, label in CALIBRATION_METRICS for side in SIDES]
    rows = []
    for column, value in groups:
        first = index.get((column, value, "expected_calibration_error", "student"))
        row = [
            "all items" if column is None else f"{column} = {value}",
            str(first["n"]) if first else MISSING,
        ]
        row += [
            _cell(index.get((column, value, name, side))) for name, _ in CALIBRATION_METRICS for side in SIDES
        ]
        rows.append(row)
    bins = report.get("sections", {}).get("calibration", {}).get("bins")
    note = (
        f"{ci_header(report)} in brackets. ECE: expected calibration error over {bins} equal-width bins of "
        "the top-label confidence (equal mass: bins holding equal numbers of items); Brier: multiclass "
        "Brier score (0 best, 2 worst); NLL: negative log-likelihood of the reference label. Lower is "
        "better for all."
    )
    return Table("Calibration, student and teacher", header, rows, note=note)


def temperature_table(report: dict[str, Any]) -> Table | None:
    """The fitted temperature per model, and the cross-validated ECE, NLL and Brier before and after."""
    fits = report.get("sections", {}).get("calibration", {}).get("temperature", {})
    if not fits:
        return None
    rows = []
    for side in SIDES:
        f = fits.get(side)
        if not f:
            continue
        rows.append(
            [
                side,
                f"{f['temperature']:.3f}",
                f"{fmt(f['ece_before'])} → {fmt(f['ece_after'])}",
                f"{fmt(f['nll_before'])} → {fmt(f['nll_after'])}",
                f"{fmt(f['brier_before'])} → {fmt(f['brier_after'])}",
                f"{f['folds']} folds, n = {f['n']}",
            ]
        )
    note = (
        "Temperature scaling: probabilities become softmax(log p / T). T is fitted by minimising the "
        "negative log-likelihood; 'after' figures are cross-validated (each item rescaled by the T fitted "
        "on the other folds), never measured on the items T was fitted on. T > 1: overconfident; T < 1: "
        "underconfident. Apply the T in the first column to recalibrate."
    )
    header = ["model", "fitted T", "ECE before → after", "NLL before → after", "Brier before → after", "fit"]
    return Table("Recalibration by temperature scaling", header, rows, note=note)


def reliability_plot(report: dict[str, Any], size: int = 260) -> dict[str, Any] | None:
    """Points of the reliability diagram in SVG coordinates (``size`` px square), per model."""
    rel = report.get("sections", {}).get("calibration", {}).get("reliability", {})
    if not rel:
        return None
    series = []
    for side, colour in (("student", "#1565c0"), ("teacher", "#9e9e9e")):
        bins = [b for b in rel.get(side, []) if b.get("count")]
        if not bins:
            continue
        most = max(b["count"] for b in bins)
        points = [
            {
                "x": round(b["mean_confidence"] * size, 1),
                "y": round((1 - b["accuracy"]) * size, 1),
                "r": round(2.5 + 5.5 * (b["count"] / most) ** 0.5, 1),
                "title": (
                    f"{side}: confidence {b['lower']:.2f}–{b['upper']:.2f}, n={b['count']}, "
                    f"mean confidence {b['mean_confidence']:.3f}, accuracy {b['accuracy']:.3f}"
                ),
            }
            for b in bins
        ]
        path = " ".join(f"{'M' if i == 0 else 'L'}{p['x']},{p['y']}" for i, p in enumerate(points))
        series.append({"side": side, "colour": colour, "points": points, "path": path})
    return {"size": size, "series": series} if series else None


def operations_slice_table(report: dict[str, Any]) -> Table | None:
    """Per slice value: median and P95 latency of both models with intervals, and the savings."""
    ops = report.get("operations") or {}
    rows = []
    for s in ops.get("by_slice", []):
        cells = [f"{s['column']} = {s['value']}", str(s["n"])]
        for side in ("teacher", "student"):
            lat = s[side].get("latency_ms")
            cells.append(
                MISSING
                if lat is None
                else f"{lat['p50']:.0f} {_bounds(lat.get('p50_ci'))} / {lat['p95']:.0f} {_bounds(lat.get('p95_ci'))}"
            )
        for key in ("latency_p50", "cost_per_1k_calls"):
            pct = s.get("saved_pct", {}).get(key)
            bounds = s.get("saved_ci", {}).get(key)
            cells.append(MISSING if pct is None else f"{pct:.1f}% {_bounds(bounds, '%')}")
        rows.append(cells)
    if not rows:
        return None
    header = [
        "slice",
        "n",
        "teacher ms p50 / p95",
        "student ms p50 / p95",
        "saved: median latency",
        "saved: cost",
    ]
    note = (
        "Latency percentiles with distribution-free order-statistic intervals ('open' where the slice has too "
        "few calls to bound a percentile); savings with the paired bootstrap interval over items."
    )
    return Table("Operations by slice", header, rows, note=note)


def _bounds(pair: list[float | None] | None, unit: str = "") -> str:
    if not pair:
        return ""
    lo, hi = pair
    show = [("open" if v is None else f"{v:.0f}{unit}" if unit else f"{v:.0f}") for v in (lo, hi)]
    return f"[{show[0]}–{show[1]}]"
