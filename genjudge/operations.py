"""Operations: latency, tokens and cost of student against teacher, as percent saved.

Only numbers the output files carry are reported; each with the count of calls it rests on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

QUANTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}


def _describe(values: np.ndarray, scale: float = 1.0) -> dict[str, Any] | None:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    out: dict[str, Any] = {"n": int(values.size), "mean": float(values.mean() * scale)}
    out.update({k: float(np.quantile(values, q) * scale) for k, q in QUANTILES.items()})
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


def operations_summary(
    frame: pd.DataFrame, *, seed: int = 0, confidence: float = 0.95
) -> dict[str, Any] | None:
    """Per model: latency quantiles (ms), cost per 1,000 calls (USD), tokens per call; and savings.

    ``saved_pct`` = 100 x (teacher - student) / teacher for each figure both models have;
    ``saved_ci`` its seeded percentile bootstrap interval over the items both models have it for.
    """
    summary: dict[str, Any] = {}
    for side in ("teacher", "student"):
        summary[side] = {
            "latency_ms": _describe(frame[f"{side}_latency_ms"].to_numpy()),
            "cost_per_1k_calls_usd": _describe(frame[f"{side}_cost"].to_numpy(), scale=1000.0),
            "input_tokens": _describe(frame[f"{side}_input_tokens"].to_numpy()),
            "output_tokens": _describe(frame[f"{side}_output_tokens"].to_numpy()),
        }
    if all(v is None for side in summary.values() for v in side.values()):
        return None
    saved: dict[str, float] = {}
    saved_ci: dict[str, list[float]] = {}
    rng = np.random.default_rng([seed, 7])
    for name, key in (
        ("latency_p50", ("latency_ms", "p50")),
        ("latency_p95", ("latency_ms", "p95")),
        ("latency_p99", ("latency_ms", "p99")),
        ("cost_per_1k_calls", ("cost_per_1k_calls_usd", "mean")),
    ):
        t, s = summary["teacher"][key[0]], summary["student"][key[0]]
        if t and s and t[key[1]] > 0:
            saved[name] = 100.0 * (t[key[1]] - s[key[1]]) / t[key[1]]
            if key[1] in ("p50", "mean"):
                column = "latency_ms" if key[0] == "latency_ms" else "cost"
                ci = _saved_interval(
                    frame[f"teacher_{column}"].to_numpy(dtype=float),
                    frame[f"student_{column}"].to_numpy(dtype=float),
                    "median" if key[1] == "p50" else "mean",
                    rng,
                    confidence,
                )
                if ci is not None:
                    saved_ci[name] = ci
    summary["saved_pct"] = saved
    summary["saved_ci"] = saved_ci
    return summary
