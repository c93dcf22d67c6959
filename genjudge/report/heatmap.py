"""The slices as heat maps: one per slice column, metric x slice value, for the HTML report.

A cell's colour says how far the slice's value lies from the metric's overall value, on the good
(blue) or bad (red) side; its text is the value. A cell is *weak* by the findings' own rule
(:func:`genjudge.findings.slices.weak_gap`): a quality, fidelity or structure metric of the student
whose interval lies wholly on the bad side of the overall value, at least ``material_gap`` away. A cell
*too small* (under ``min_support``) is hatched and never marked weak. Macro averages stay
uncoloured: they run over the classes a slice holds, so they do not compare with the overall value. Teacher rows are left out
(the teacher is the yardstick, not the subject).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genjudge.findings import higher_is_better
from genjudge.findings.slices import comparable, weak_gap
from genjudge.formatting import format_interval
from genjudge.formatting import format_number as fmt
from genjudge.records import MetricValue

__all__ = ["HeatCell", "HeatMap", "HeatRow", "NEUTRAL", "heat_maps", "is_weak"]


@dataclass(frozen=True)
class HeatCell:
    text: str
    title: str
    """Tooltip: value, interval, n."""
    colour: str
    weak: bool = False
    too_small: bool = False


@dataclass(frozen=True)
class HeatRow:
    label: str
    overall: str
    cells: list[HeatCell | None]
    """One per slice value of the map; None where the metric has no value there."""


@dataclass(frozen=True)
class HeatMap:
    column: str
    values: list[str]
    sizes: list[int | None]
    rows: list[HeatRow]


def is_weak(m: dict[str, Any], whole: dict[str, Any], gap: float) -> bool:
    """The findings' weak-slice rule (:func:`genjudge.findings.slices.weak_gap`) on one slice metric
    against its whole-set value, both in JSON form."""
    value = MetricValue.model_validate(m)
    return comparable(value) and weak_gap(value, MetricValue.model_validate(whole), gap) is not None


NEUTRAL = "#f1f1f4"
"""The colour of a cell not comparable with the overall value (a macro average)."""


def _colour(m: dict[str, Any], overall: float, gap: float) -> str:
    """Red on the bad side of the overall value, blue on the good side; full at four material gaps.

    Macro averages run over the classes a slice holds, so a slice is not comparable with the whole
    set (the weak_slice rule skips them too): they stay neutral.
    """
    if m["metric"].startswith("macro_"):
        return NEUTRAL
    scale = 4 * gap if 0.0 <= overall <= 1.0 else max(abs(overall) * 0.2, 1e-9)
    sign = 1.0 if higher_is_better(m["metric"]) else -1.0
    t = max(-1.0, min(1.0, sign * (m["value"] - overall) / scale))
    hue = 210 if t >= 0 else 0
    return f"hsl({hue} 75% {round(97 - 30 * abs(t))}%)"


def heat_maps(report: dict[str, Any]) -> list[HeatMap]:
    """One heat map per slice column of the report (empty when the run has no slices)."""
    gap = float(report["run"].get("config", {}).get("findings", {}).get("material_gap", 0.05))
    overall = {
        (m["metric"], m["subject"]): m
        for m in report["metrics"]
        if m["slice_column"] is None and m.get("label") is None and m["value"] is not None
    }
    sizes = {(s["column"], s["value"]): s["n"] for s in report.get("slices", [])}
    order = {"fidelity": 0, "quality": 1, "structure": 2}
    maps = []
    for column in report["set"]["slices"]:
        by_key: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        values: list[str] = []
        for m in report["metrics"]:
            if m["slice_column"] != column or m.get("label") is not None or m["subject"] == "teacher":
                continue
            if (m["metric"], m["subject"]) not in overall:
                continue
            by_key.setdefault((m["metric"], m["subject"]), {})[m["slice_value"]] = m
            if m["slice_value"] not in values:
                values.append(m["slice_value"])
        if not by_key:
            continue
        values.sort()
        rows = []
        keys = sorted(by_key, key=lambda k: (order.get(overall[k]["family"], 9), k[0], k[1]))
        for key in keys:
            base = overall[key]
            cells: list[HeatCell | None] = []
            for value in values:
                m = by_key[key].get(value)
                if m is None or m["value"] is None:
                    cells.append(None)
                    continue
                interval = format_interval(m.get("ci_low"), m.get("ci_high"))
                cells.append(
                    HeatCell(
                        text=fmt(m["value"]),
                        title=f"{key[0]} ({key[1]}) on {column}={value}: {fmt(m['value'])} {interval}, "
                        f"n={m['n']}; overall {fmt(base['value'])}",
                        colour=_colour(m, base["value"], gap),
                        weak=is_weak(m, base, gap),
                        too_small=bool(m.get("too_small")),
                    )
                )
            rows.append(HeatRow(f"{key[0]} ({key[1]})", fmt(base["value"]), cells))
        maps.append(HeatMap(column, values, [sizes.get((column, v)) for v in values], rows))
    return maps
