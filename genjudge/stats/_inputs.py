"""Input checks shared by the statistics: one coercion path, loud failures.

Every statistic accepts lists, numpy arrays and pandas Series alike. Empty input, unequal
lengths, NaN where no missing value is allowed, and degenerate (constant) input where the
statistic is undefined raise :class:`DegenerateInputError`, which names the argument and the
problem. No statistic returns 0.0 or NaN in place of "undefined".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from genjudge.errors import GenjudgeError


class DegenerateInputError(GenjudgeError, ValueError):
    """A statistic is undefined for this input (empty, constant, mismatched or NaN)."""


def as_vector(values: Any, name: str, *, min_size: int = 1, numeric: bool = True) -> np.ndarray:
    """A 1-d array from a list, ndarray or Series; refuses empty, nested and (if numeric) NaN input."""
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    try:
        arr = np.asarray(values, dtype=float if numeric else object)
    except (TypeError, ValueError) as exc:
        raise DegenerateInputError(f"{name} must be numeric: {exc}") from None
    if arr.ndim != 1:
        raise DegenerateInputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size < min_size:
        raise DegenerateInputError(f"{name} needs at least {min_size} value(s), got {arr.size}")
    if numeric and not np.all(np.isfinite(arr)):
        raise DegenerateInputError(f"{name} has NaN or infinite values; drop missing pairs before calling")
    if not numeric and _has_missing(arr):
        raise DegenerateInputError(f"{name} has missing values; drop missing pairs before calling")
    return arr


def _has_missing(arr: np.ndarray) -> bool:
    import pandas as pd

    return bool(pd.isna(arr).any())


def as_pair(y1: Any, y2: Any, *, min_size: int = 1, numeric: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Two equal-length vectors (see :func:`as_vector`)."""
    a = as_vector(y1, "y1", min_size=min_size, numeric=numeric)
    b = as_vector(y2, "y2", min_size=min_size, numeric=numeric)
    if a.size != b.size:
        raise DegenerateInputError(f"y1 and y2 must have the same length, got {a.size} and {b.size}")
    return a, b


def as_labels(y1: Any, y2: Any, labels: Sequence[Any] | None) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Two label vectors coded as positions in ``labels`` (default: sorted union of both)."""
    a, b = as_pair(y1, y2, numeric=False)
    if labels is None:
        try:
            labels = sorted(set(a.tolist()) | set(b.tolist()))
        except TypeError as exc:
            raise DegenerateInputError(
                f"labels of mixed types cannot be ordered; pass labels= ({exc})"
            ) from None
    labels = list(labels)
    index = {lab: i for i, lab in enumerate(labels)}
    if len(index) != len(labels):
        raise DegenerateInputError("labels has duplicates")
    unknown = {v for v in np.concatenate([a, b]).tolist() if v not in index}
    if unknown:
        raise DegenerateInputError(f"values not in labels: {sorted(map(repr, unknown))[:5]}")
    return np.array([index[v] for v in a.tolist()]), np.array([index[v] for v in b.tolist()]), labels


def require_varies(values: np.ndarray, name: str, statistic: str) -> None:
    """Raise when ``values`` is constant: ``statistic`` is undefined for it."""
    if values.size and np.all(values == values[0]):
        raise DegenerateInputError(
            f"{statistic} is undefined: {name} is constant ({values[0].item()!r} for all {values.size} items)"
        )


def as_prob_rows(values: Any, name: str, *, tolerance: float = 1e-3) -> np.ndarray:
    """An (n, k) array of probability rows: finite, in [0, 1], each summing to 1 within ``tolerance``.

    A single distribution (1-d input) is one row. Rows are not renormalised: a row that does not sum
    to 1 is an error upstream, not something to paper over here.
    """
    try:
        arr = np.atleast_2d(np.asarray(values, dtype=float))
    except (TypeError, ValueError) as exc:
        raise DegenerateInputError(f"{name} must be numeric: {exc}") from None
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DegenerateInputError(f"{name} must be a non-empty (n, k) array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DegenerateInputError(f"{name} has NaN or infinite probabilities")
    if np.any(arr < 0) or np.any(arr > 1):
        raise DegenerateInputError(f"{name} has probabilities outside [0, 1]")
    sums = arr.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > tolerance)
    if bad.size:
        raise DegenerateInputError(f"{name} row {bad[0]} sums to {sums[bad[0]]:.6g}, not 1")
    return arr


def as_class_index(y: Any, n: int, k: int) -> np.ndarray:
    """``y`` as ``n`` integer class positions in ``[0, k)``."""
    arr = np.asarray(y)
    if arr.shape != (n,):
        raise DegenerateInputError(f"y must have shape ({n},), got {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.issubdtype(arr.dtype, np.floating) or not np.all(arr == np.round(arr)):
            raise DegenerateInputError("y must hold integer class positions")
        arr = arr.astype(int)
    if arr.size and (arr.min() < 0 or arr.max() >= k):
        raise DegenerateInputError(f"y has class positions outside [0, {k})")
    return arr.astype(int)
