"""Distribution tables of a per-item score, on the whole set and per slice.

The aggregation layer gives means with intervals; a similarity score also needs its shape
(quantiles, and the share above a threshold), because a mean of 0.85 can be "all items near 0.85"
or "most near 1.0 and a tail of failures". Quantiles use numpy's default (linear, type 7 of
Hyndman & Fan 1996).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from genjudge.slicing import slice_groups

__all__ = ["NON_SLICE_COLUMNS", "distribution", "distribution_table", "slice_columns"]

NON_SLICE_COLUMNS = frozenset(
    {"id", "input", "reference", "metadata", "teacher", "student", "teacher_probs", "student_probs"}
)
_NON_SLICE_SUFFIXES = (
    "_latency_ms",
    "_input_tokens",
    "_output_tokens",
    "_cost",
    "_probs",
    "_logprobs",
    "_confidence",
    "_error",
)


def slice_columns(frame: pd.DataFrame) -> list[str]:
    """The frame's slice columns: everything that is not a reserved or per-output column."""
    return [
        c
        for c in frame.columns
        if c not in NON_SLICE_COLUMNS and not str(c).endswith(_NON_SLICE_SUFFIXES) and "." not in str(c)
    ]


def distribution(values: np.ndarray, *, threshold: float, quantiles: Sequence[float]) -> dict[str, Any]:
    """n, mean, quantiles and the share of values >= threshold, over the finite values.

    An empty input gives n = 0 and None everywhere (never 0.0).
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {
            "n": 0,
            "mean": None,
            "quantiles": {str(q): None for q in quantiles},
            "share_at_or_above": None,
        }
    qs = np.quantile(x, list(quantiles))
    return {
        "n": int(x.size),
        "mean": float(x.mean()),
        "quantiles": {str(q): float(v) for q, v in zip(quantiles, qs, strict=False)},
        "share_at_or_above": float((x >= threshold).mean()),
    }


def distribution_table(
    frame: pd.DataFrame, values: np.ndarray, *, threshold: float, quantiles: Sequence[float]
) -> list[dict[str, Any]]:
    """One distribution row for the whole set, then one per value of every slice column."""
    return [
        {
            "slice_column": column,
            "slice_value": value,
            **distribution(values[mask], threshold=threshold, quantiles=quantiles),
        }
        for column, value, mask in slice_groups(frame, slice_columns(frame))
    ]
