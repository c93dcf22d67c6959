"""Micro precision / recall / F1 over fields, per field and per slice, with bootstrap intervals.

Micro averaging pools the field counts of all items of a slice: P = sum TP / sum (TP + FP),
R = sum TP / sum (TP + FN), F1 = 2 sum TP / (2 sum TP + sum FP + sum FN) (the SROIE competition's
key-information score is this F1 over all fields). The interval is the percentile bootstrap over
items (Efron & Tibshirani 1993, ch. 13): items of the slice are resampled with replacement and the
pooled counts recomputed, so the fields of one item move together.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from genjudge.extraction.match import prf
from genjudge.stats.bootstrap import as_rng, percentile_interval

__all__ = ["micro_rows"]


def micro_rows(
    counts: dict[str, np.ndarray],
    extra_counts: dict[str, np.ndarray],
    groups: list[tuple[str | None, str | None, np.ndarray]],
    *,
    comparison: str,
    resamples: int,
    rng: Any,
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """One row per (group, field).

    ``counts[field]`` is an (n, 3) int array of exact (TP, FP, FN) per item; ``extra_counts[field]``
    an (n, 3) array of (missing, extra, mismatch); ``groups`` are (slice column, value, row mask)
    restricted to the rows that were scored. The F1 interval is the central ``confidence``
    percentile interval of the bootstrap draws.
    """
    gen = as_rng(rng)
    rows = []
    fields = list(counts)
    for column, value, mask in groups:
        idx_rows = np.flatnonzero(mask)
        m = len(idx_rows)
        draws = gen.integers(0, m, size=(resamples, m)) if m else None
        for field in fields:
            c = counts[field][idx_rows]
            tp, fp, fn = (int(v) for v in c.sum(axis=0))
            p, r, f = prf(tp, fp, fn)
            lo = hi = None
            if draws is not None and (2 * tp + fp + fn):
                s = c[draws].sum(axis=1)  # (resamples, 3)
                denom = 2 * s[:, 0] + s[:, 1] + s[:, 2]
                with np.errstate(invalid="ignore", divide="ignore"):
                    f_draws = np.where(denom > 0, 2 * s[:, 0] / denom, np.nan)
                lo, hi = percentile_interval(f_draws, confidence)
            missing, extra, mismatch = (int(v) for v in extra_counts[field][idx_rows].sum(axis=0))
            rows.append(
                {
                    "comparison": comparison,
                    "field": field,
                    "slice_column": column,
                    "slice_value": value,
                    "items": m,
                    "tp": tp,
                    "fp": fp,
                    "fn": fn,
                    "missing": missing,
                    "extra": extra,
                    "mismatch": mismatch,
                    "precision": p,
                    "recall": r,
                    "f1": f,
                    "f1_ci_low": lo,
                    "f1_ci_high": hi,
                }
            )
    return rows
