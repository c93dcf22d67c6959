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


def operations_summary(frame: pd.DataFrame) -> dict[str, Any] | None:
    """Per model: latency quantiles (ms), cost per 1,000 calls (USD), tokens per call; and savings.

    ``saved_pct`` = 100 x (teacher - student) / teacher for each figure both models have.
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
    for name, key in (
        ("latency_p50", ("latency_ms", "p50")),
        ("latency_p95", ("latency_ms", "p95")),
        ("latency_p99", ("latency_ms", "p99")),
        ("cost_per_1k_calls", ("cost_per_1k_calls_usd", "mean")),
    ):
        t, s = summary["teacher"][key[0]], summary["student"][key[0]]
        if t and s and t[key[1]] > 0:
            saved[name] = 100.0 * (t[key[1]] - s[key[1]]) / t[key[1]]
    summary["saved_pct"] = saved
    return summary
