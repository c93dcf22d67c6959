"""Operations: latency, tokens, cost, throughput, model size and memory of student against teacher,
as percent saved, on the whole set and per slice.

Only numbers the output files (or ``genjudge generate``'s settings records, a load test, or the run
config's ``model_facts``) carry are reported; each with the count of calls it rests on.

- Latency percentiles (P50 / P95 / P99) carry distribution-free order-statistic intervals
  (:func:`genjudge.stats.quantiles.quantile_interval`); a bound the data cannot give (P99 of 50
  calls) is None, never invented.
- ``saved_pct`` = 100 x (teacher - student) / teacher for each figure both models have (for
  throughput, where more is better, ``gained_pct`` = 100 x (student - teacher) / teacher);
  ``saved_ci`` is the seeded percentile bootstrap interval of the median-latency and mean-cost
  savings, items resampled in pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from genjudge.slicing import slicings
from genjudge.stats.quantiles import quantile_interval

__all__ = ["QUANTILES", "operations_summary"]

QUANTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}
SIDES = ("teacher", "student")


def _describe(
    values: np.ndarray, scale: float = 1.0, *, confidence: float | None = None
) -> dict[str, Any] | None:
    """n, mean and P50 / P95 / P99 of the finite values; with ``confidence``, each percentile's
    order-statistic interval as ``<p>_ci`` ([low, high], a side None where the data cannot bound it)."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    out: dict[str, Any] = {"n": int(values.size), "mean": float(values.mean() * scale)}
    for name, q in QUANTILES.items():
        if confidence is None:
            out[name] = float(np.quantile(values, q) * scale)
            continue
        qi = quantile_interval(values, q, confidence=confidence)
        out[name] = qi.value * scale
        out[f"{name}_ci"] = [
            None if qi.low is None else qi.low * scale,
            None if qi.high is None else qi.high * scale,
        ]
    return out


SAVED_RESAMPLES = 1000
_CELLS = 2_000_000  # resampled values held at once


def _saved_interval(
    teacher: np.ndarray, student: np.ndarray, stat: str, rng: np.random.Generator, confidence: float
) -> list[float] | None:
    """Percentile bootstrap interval of ``100 x (T - S) / T`` for ``stat`` (``mean`` or ``median``),
    items resampled in pairs (the items where both models have the figure)."""
    ok = np.isfinite(teacher) & np.isfinite(student)
    t, s = teacher[ok], student[ok]
    if t.size < 2:
        return None
    fn = np.mean if stat == "mean" else np.median
    draws: list[np.ndarray] = []
    step = max(1, _CELLS // t.size)
    for start in range(0, SAVED_RESAMPLES, step):
        idx = rng.integers(0, t.size, size=(min(step, SAVED_RESAMPLES - start), t.size))
        tt, ss = fn(t[idx], axis=1), fn(s[idx], axis=1)
        draws.append(100.0 * (tt - ss) / np.where(tt > 0, tt, np.nan))
    pct = np.concatenate(draws)
    pct = pct[np.isfinite(pct)]
    if pct.size < SAVED_RESAMPLES // 2:
        return None
    alpha = 1.0 - confidence
    return [float(np.quantile(pct, alpha / 2)), float(np.quantile(pct, 1 - alpha / 2))]


# (saved_pct key, per-side figure, statistic, frame column, bootstrap statistic or None)
_SAVINGS = (
    ("latency_p50", "latency_ms", "p50", "latency_ms", "median"),
    ("latency_p95", "latency_ms", "p95", "latency_ms", None),
    ("latency_p99", "latency_ms", "p99", "latency_ms", None),
    ("cost_per_1k_calls", "cost_per_1k_calls_usd", "mean", "cost", "mean"),
)


def _sides(frame: pd.DataFrame, rows: np.ndarray | None, confidence: float) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for side in SIDES:

        def col(name: str, side: str = side) -> np.ndarray:
            values = frame[f"{side}_{name}"].to_numpy(dtype=float)
            return values if rows is None else values[rows]

        out[side] = {
            "latency_ms": _describe(col("latency_ms"), confidence=confidence),
            "cost_per_1k_calls_usd": _describe(col("cost"), scale=1000.0),
            "input_tokens": _describe(col("input_tokens")),
            "output_tokens": _describe(col("output_tokens")),
        }
    return out


def _savings(
    frame: pd.DataFrame,
    sides: dict[str, dict[str, Any]],
    rows: np.ndarray | None,
    rng: np.random.Generator,
    confidence: float,
) -> tuple[dict[str, float], dict[str, list[float]]]:
    saved: dict[str, float] = {}
    saved_ci: dict[str, list[float]] = {}
    for name, figure, stat, column, boot in _SAVINGS:
        t, s = sides["teacher"][figure], sides["student"][figure]
        if not (t and s and t[stat] > 0):
            continue
        saved[name] = 100.0 * (t[stat] - s[stat]) / t[stat]
        if boot is None:
            continue
        tv = frame[f"teacher_{column}"].to_numpy(dtype=float)
        sv = frame[f"student_{column}"].to_numpy(dtype=float)
        if rows is not None:
            tv, sv = tv[rows], sv[rows]
        ci = _saved_interval(tv, sv, boot, rng, confidence)
        if ci is not None:
            saved_ci[name] = ci
    return saved, saved_ci


def _facts(facts: dict[str, dict[str, Any]] | None, summary: dict[str, Any]) -> None:
    """Throughput, model size and memory per side (from generate's records, a load test or the run
    config), and what the student saves or gains on each."""
    facts = facts or {}
    for side in SIDES:
        f = facts.get(side) or {}
        summary[side]["throughput"] = f.get("throughput")
        summary[side]["model"] = {
            k: f.get(k) for k in ("size_bytes", "size_source", "memory_bytes", "memory_source")
        }
        summary[side]["loadtest"] = f.get("loadtest")
    t, s = summary["teacher"], summary["student"]
    for name, key in (("model_size", "size_bytes"), ("memory", "memory_bytes")):
        tv, sv = t["model"].get(key), s["model"].get(key)
        if tv and sv is not None:
            summary["saved_pct"][name] = 100.0 * (tv - sv) / tv
    gained: dict[str, float] = {}
    tt, st = t["throughput"] or {}, s["throughput"] or {}
    if tt.get("calls_per_s") and st.get("calls_per_s") is not None:
        gained["throughput"] = 100.0 * (st["calls_per_s"] - tt["calls_per_s"]) / tt["calls_per_s"]
    tl, sl = (t["loadtest"] or {}).get("best"), (s["loadtest"] or {}).get("best")
    if tl and sl and tl.get("rate_per_s"):
        gained["rate_at_budget"] = 100.0 * (sl["rate_per_s"] - tl["rate_per_s"]) / tl["rate_per_s"]
    summary["gained_pct"] = gained


def operations_summary(
    frame: pd.DataFrame,
    *,
    seed: int = 0,
    confidence: float = 0.95,
    slices: list[str] | None = None,
    facts: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """Per model: latency percentiles (ms) with intervals, cost per 1,000 calls (USD), tokens per
    call, throughput, model size and memory; the savings; and the same latency and cost figures on
    every value of every slice column in ``slices`` (``by_slice``).

    ``facts``: per side, ``throughput`` ({calls_per_s, output_tokens_per_s, concurrency, source}),
    ``size_bytes`` / ``memory_bytes`` (with ``*_source``) and ``loadtest`` (a load test's record).
    None when no model has any figure at all.
    """
    summary: dict[str, Any] = _sides(frame, None, confidence)
    has_facts = any(v is not None for side in SIDES for v in ((facts or {}).get(side) or {}).values())
    if not has_facts and all(v is None for side in SIDES for v in summary[side].values()):
        return None
    rng = np.random.default_rng([seed, 7])
    summary["saved_pct"], summary["saved_ci"] = _savings(frame, summary, None, rng, confidence)
    _facts(facts, summary)
    by_slice: list[dict[str, Any]] = []
    for cut in slicings(frame, [c for c in (slices or []) if c in frame]):
        if cut.column is None:
            continue
        for gi, value in enumerate(cut.values):
            rows = cut.codes == gi
            sides = _sides(frame, rows, confidence)
            if all(
                sides[s]["latency_ms"] is None and sides[s]["cost_per_1k_calls_usd"] is None for s in SIDES
            ):
                continue
            slice_rng = np.random.default_rng([seed, 7, gi, len(by_slice)])
            saved, saved_ci = _savings(frame, sides, rows, slice_rng, confidence)
            by_slice.append(
                {
                    "column": cut.column,
                    "value": value,
                    "n": int(rows.sum()),
                    **{s: {k: sides[s][k] for k in ("latency_ms", "cost_per_1k_calls_usd")} for s in SIDES},
                    "saved_pct": saved,
                    "saved_ci": saved_ci,
                }
            )
    summary["by_slice"] = by_slice
    return summary
