"""Seeded bootstrap confidence intervals.

Two engines behind one contract (percentile interval of a statistic over items resampled with
replacement, Efron & Tibshirani 1993, ch. 13):

- :func:`bootstrap_ci` is general: ``statistic`` receives an index array of resampled items.
- :func:`categorical_bootstrap` is exact and fast for statistics of *counts*: when every item falls
  in one of k categories (a 0/1 agreement, a confusion-matrix cell, a 1-5 rating), resampling n items
  with replacement is the same as drawing the k counts from Multinomial(n, counts / n). The cost is
  O(resamples x k), independent of n.

Randomness comes only from the ``rng`` argument (a seed or ``numpy.random.Generator``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["as_rng", "bootstrap_ci", "categorical_bootstrap", "percentile_interval"]

RngLike = int | np.random.Generator | np.random.SeedSequence


def as_rng(rng: RngLike) -> np.random.Generator:
    """A Generator from a seed, a SeedSequence or a Generator (returned as is)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def percentile_interval(draws: np.ndarray, confidence: float = 0.95) -> tuple[float | None, float | None]:
    """The central ``confidence`` percentile interval of bootstrap draws, ignoring NaN draws.

    Returns (None, None) when no draw is finite.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return None, None
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(low), float(high)


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float],
    n_items: int,
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    rng: RngLike = 0,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of ``statistic`` over ``n_items`` items resampled with replacement.

    ``statistic(idx)`` gets an int array of length ``n_items`` (the resampled item positions) and
    returns a float; NaN results (a degenerate resample) are left out of the interval.

    >>> x = np.array([0.0, 1.0, 1.0, 1.0])
    >>> lo, hi = bootstrap_ci(lambda i: x[i].mean(), 4, resamples=2000, rng=1)
    >>> 0.0 <= lo <= 0.75 <= hi <= 1.0
    True
    """
    if n_items <= 0:
        raise ValueError("bootstrap needs at least one item")
    gen = as_rng(rng)
    draws = np.empty(resamples)
    for b in range(resamples):
        draws[b] = statistic(gen.integers(0, n_items, size=n_items))
    return percentile_interval(draws, confidence)


def categorical_bootstrap(counts: np.ndarray, *, resamples: int, rng: RngLike) -> np.ndarray:
    """Bootstrap draws of category counts: shape (resamples, k), each row summing to ``counts.sum()``.

    Exactly distributed as the counts of n items resampled with replacement, where ``counts[j]``
    items of the original sample fall in category j.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    if n <= 0:
        raise ValueError("bootstrap needs at least one item")
    return as_rng(rng).multinomial(n, counts / n, size=resamples)
