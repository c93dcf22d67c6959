"""Findings on operations: what the student saves, and what the report cannot say.

- ``operations_missing``: the output files carry no latency or no cost for a model, so the report
  cannot say what the student saves on it.
- ``latency_not_cost`` / ``cost_not_latency``: one of the two improved (its saving's interval lies
  above zero) and the other did not (its interval reaches zero or below).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from genjudge.config import FindingThresholds
from genjudge.findings._common import Finding

FIGURES = {
    "latency": ("latency_ms", "latency_p50", "median latency"),
    "cost": ("cost_per_1k_calls_usd", "cost_per_1k_calls", "cost per call"),
}


def _saving(ops: dict[str, Any], key: str) -> tuple[float, float | None, float | None] | None:
    pct = ops.get("saved_pct", {}).get(key)
    if pct is None:
        return None
    low, high = (ops.get("saved_ci", {}).get(key) or (None, None))[:2]
    return pct, low, high


def _words(name: str, s: tuple[float, float | None, float | None]) -> str:
    ci = f" (95% CI {s[1]:.0f}% to {s[2]:.0f}%)" if s[1] is not None and s[2] is not None else ""
    verb = "saves" if s[0] >= 0 else "costs"
    return f"the student {verb} {abs(s[0]):.0f}% {name}{ci}"


def operations_findings(operations: dict[str, Any] | None, t: FindingThresholds) -> Iterable[Finding]:
    """Missing operational columns, and a saving on one figure that the other does not share."""
    absent = []
    for figure, (column, _, _) in FIGURES.items():
        sides = [s for s in ("teacher", "student") if not (operations or {}).get(s, {}).get(column)]
        if sides:
            absent.append(f"{figure} ({' and '.join(sides)})")
    if absent:
        yield Finding(
            code="operations_missing",
            severity="info",
            message=(
                f"The output files carry no {', no '.join(absent)}: the report cannot say what the student "
                "saves there. Add `latency_ms` and `cost` (and token counts) to the output rows."
            ),
        )
    if operations is None:
        return
    latency, cost = (_saving(operations, FIGURES[f][1]) for f in ("latency", "cost"))
    if latency is None or cost is None:
        return

    def improved(s: tuple[float, float | None, float | None]) -> bool:
        """The saving's interval lies above zero (its point estimate, without an interval)."""
        return (s[1] if s[1] is not None else s[0]) > 0

    def no_material_saving(s: tuple[float, float | None, float | None]) -> bool:
        """Even the interval's best case saves less than the material gap."""
        return (s[2] if s[2] is not None else s[0]) < 100.0 * t.material_gap

    for code, better, worse, names in (
        (
            "latency_not_cost",
            latency,
            cost,
            ("median latency", "cost per call", "Latency improved but cost did not"),
        ),
        (
            "cost_not_latency",
            cost,
            latency,
            ("cost per call", "median latency", "Cost improved but latency did not"),
        ),
    ):
        if improved(better) and no_material_saving(worse):
            yield Finding(
                code=code,
                severity="warning",
                message=f"{names[2]}: {_words(names[0], better)}, but {_words(names[1], worse)}.",
                effect=round(abs(better[0] - worse[0]) / 100.0, 6),
            )
