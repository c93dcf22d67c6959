"""Seeded bootstrap over items or over clusters of items.

- :func:`bootstrap_draws` evaluates a statistic on resamples of item positions; with ``clusters``
  it resamples whole clusters (documents, systems, a user-named column) with replacement and takes
  every item of each drawn cluster (the cluster bootstrap, Davison & Hinkley 1997, sec. 3.8).
  A resample on which the statistic is undefined (it raises
  :class:`~genjudge.stats.DegenerateInputError` or returns NaN) is counted, never a crash.
- :func:`bootstrap_ci` is the percentile interval of those draws (Efron & Tibshirani 1993, ch. 13).
- :func:`categorical_bootstrap` is exact and fast for statistics of *counts*: when every item falls
  in one of k categories, resampling n items with replacement is the same as drawing the k counts
  from Multinomial(n, counts / n). The cost is O(resamples x k), independent of n.
- :func:`cluster_weight_sums` draws how often each cluster is taken and returns the weighted sums
  of per-cluster totals: the cluster bootstrap of any statistic of totals, vectorised.

Randomness comes only from the ``rng`` argument (a seed or ``numpy.random.Generator``), which every
resampling function requires: there is no unseeded default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from genjudge.stats._inputs import DegenerateInputError

__all__ = [
    "BootstrapDraws",
    "BootstrapInterval",
    "as_rng",
    "bootstrap_ci",
    "bootstrap_draws",
    "categorical_bootstrap",
    "cluster_codes",
    "cluster_weight_sums",
    "percentile_interval",
]

RngLike = int | np.random.Generator | np.random.SeedSequence
_CHUNK = 4_000_000


def as_rng(rng: RngLike) -> np.random.Generator:
    """A Generator from a seed, a SeedSequence or a Generator (returned as is); ``None`` is refused."""
    if rng is None:
        raise ValueError("a resampling statistic needs a seed: pass rng=<int> or a numpy Generator")
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer, np.random.SeedSequence)):
        raise ValueError(f"rng must be an int seed, a SeedSequence or a numpy Generator, got {rng!r}")
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


@dataclass(frozen=True)
class BootstrapDraws:
    """The statistic on every resample; ``undefined`` of them were NaN or raised DegenerateInputError."""

    draws: np.ndarray
    undefined: int
    unit: str
    """``items`` or ``clusters``."""
    n_units: int


@dataclass(frozen=True)
class BootstrapInterval:
    """A percentile interval with its bookkeeping: how many resamples, how many undefined."""

    low: float | None
    high: float | None
    resamples: int
    undefined: int
    unit: str
    n_units: int


def cluster_codes(values: Any) -> np.ndarray:
    """Integer cluster codes from raw values, keeping types apart (``1`` and ``"1"`` are two
    clusters); a missing value is a cluster of its own."""
    import pandas as pd

    arr = np.asarray(values.to_numpy() if hasattr(values, "to_numpy") else values, dtype=object)
    raw_codes, uniques = pd.factorize(pd.Series(arr, dtype=object), use_na_sentinel=True)
    codes: np.ndarray = raw_codes.astype(np.int64)
    missing = codes < 0
    codes[missing] = len(uniques) + np.arange(int(missing.sum()))
    return codes


def _resample_positions(
    gen: np.random.Generator, n_items: int, clusters: np.ndarray | None
) -> Iterator[np.ndarray]:
    if clusters is None:
        while True:
            yield gen.integers(0, n_items, size=n_items)
    order = np.argsort(clusters, kind="stable")
    _, starts = np.unique(clusters[order], return_index=True)
    members = np.split(order, starts[1:])
    while True:
        picked = gen.integers(0, len(members), size=len(members))
        yield np.concatenate([members[c] for c in picked])


def bootstrap_draws(
    statistic: Callable[[np.ndarray], float],
    n_items: int,
    *,
    resamples: int = 1000,
    rng: RngLike,
    clusters: Any = None,
) -> BootstrapDraws:
    """``statistic(idx)`` on ``resamples`` resamples of item positions ``0..n_items-1``.

    With ``clusters`` (one code per item) whole clusters are drawn with replacement, so a resample
    has the same number of clusters (not necessarily of items) as the sample.
    """
    if n_items <= 0:
        raise ValueError("bootstrap needs at least one item")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    gen = as_rng(rng)
    codes = None
    if clusters is not None:
        codes = cluster_codes(clusters)
        if codes.size != n_items:
            raise DegenerateInputError(
                f"clusters must have one entry per item, got {codes.size} for {n_items}"
            )
    positions = _resample_positions(gen, n_items, codes)
    draws = np.empty(resamples)
    for b in range(resamples):
        try:
            draws[b] = statistic(next(positions))
        except DegenerateInputError:
            draws[b] = np.nan
    undefined = int((~np.isfinite(draws)).sum())
    unit = "items" if codes is None else "clusters"
    return BootstrapDraws(draws, undefined, unit, n_items if codes is None else int(np.unique(codes).size))


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float],
    n_items: int,
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    rng: RngLike,
    clusters: Any = None,
) -> BootstrapInterval:
    """Percentile bootstrap interval of ``statistic`` over items (or ``clusters``) resampled with
    replacement; undefined resamples are left out of the interval and counted in ``undefined``.

    >>> x = np.array([0.0, 1.0, 1.0, 1.0])
    >>> ci = bootstrap_ci(lambda i: x[i].mean(), 4, resamples=2000, rng=1)
    >>> 0.0 <= ci.low <= 0.75 <= ci.high <= 1.0, ci.undefined
    (True, 0)
    """
    d = bootstrap_draws(statistic, n_items, resamples=resamples, rng=rng, clusters=clusters)
    lo, hi = percentile_interval(d.draws, confidence)
    return BootstrapInterval(lo, hi, resamples, d.undefined, d.unit, d.n_units)


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


def cluster_weight_sums(totals: np.ndarray, *, resamples: int, rng: RngLike) -> np.ndarray:
    """Cluster bootstrap of totals: ``totals`` is clusters x k (per-cluster sums of k quantities);
    returns resamples x k, each row the sum over C clusters drawn with replacement.

    A drawn cluster contributes all its items, so any statistic of these sums (a mean = sum / count,
    a confusion matrix's cells) is its cluster bootstrap.
    """
    t = np.asarray(totals, dtype=float)
    c = t.shape[0]
    if c == 0:
        raise ValueError("bootstrap needs at least one cluster")
    gen = as_rng(rng)
    out = np.empty((resamples, t.shape[1]))
    step = max(1, _CHUNK // c)
    for start in range(0, resamples, step):
        stop = min(resamples, start + step)
        w = gen.multinomial(c, np.full(c, 1.0 / c), size=stop - start)
        out[start:stop] = w @ t
    return out
