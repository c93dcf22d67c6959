"""Intervals of the grouped meta-evaluation correlations, resampling the unit the statistic is
built on (Deutsch, Dror & Roth 2021, "A Statistical Analysis of Summarization Evaluation Metrics
using Resampling Methods"):

- summary level is a mean over documents of a per-document correlation, so documents are
  resampled: the per-document values are computed once and the bootstrap draws documents with
  replacement (a document drawn twice counts twice, as it would in a new sample of documents);
- system level is one correlation over system means, so systems are resampled.

Resampling individual summaries instead (what a plain item bootstrap does) breaks documents and
systems apart and can give an interval that excludes its own point estimate.
Both use the percentile interval; resamples on which the statistic is undefined (every drawn
system has the same mean) are counted and left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from genjudge.stats._inputs import DegenerateInputError, as_pair
from genjudge.stats.bootstrap import RngLike, as_rng, percentile_interval
from genjudge.stats.correlation import Method, _correlate, _groups, summary_level_values

__all__ = [
    "GroupedInterval",
    "document_bootstrap",
    "summary_level_interval",
    "summary_level_values",
    "system_level_interval",
]


@dataclass(frozen=True)
class GroupedInterval:
    """A grouped correlation with its percentile interval over resampled groups."""

    statistic: str
    granularity: str
    value: float
    ci_low: float | None
    ci_high: float | None
    n_groups: int
    resamples: int
    undefined: int
    method: str
    """``percentile_documents`` or ``percentile_systems``: the interval and its unit."""


def summary_level_interval(
    metric: Any,
    human: Any,
    *,
    documents: Any,
    method: Method = "spearman",
    resamples: int = 1000,
    confidence: float = 0.95,
    rng: RngLike,
) -> GroupedInterval:
    """Summary-level correlation with a percentile interval over documents resampled with replacement:
    draw ``b`` is the mean of ``values[idx_b]`` for ``idx_b`` = D document indices drawn uniformly."""
    values, _ = summary_level_values(metric, human, documents=documents, method=method)
    if values.size == 0:
        raise DegenerateInputError(
            f"summary-level {method} is undefined: every document has < 2 summaries or constant scores"
        )
    lo, hi = document_bootstrap(values, resamples=resamples, confidence=confidence, rng=rng)
    return GroupedInterval(
        method,
        "summary",
        float(values.mean()),
        lo,
        hi,
        int(values.size),
        resamples,
        0,
        "percentile_documents",
    )


def document_bootstrap(
    values: np.ndarray, *, resamples: int, confidence: float, rng: RngLike
) -> tuple[float | None, float | None]:
    """Percentile interval of the mean of per-document ``values`` over documents drawn with replacement."""
    gen = as_rng(rng)
    draws = values[gen.integers(0, values.size, size=(resamples, values.size))].mean(axis=1)
    return percentile_interval(draws, confidence)


def system_level_interval(
    metric: Any,
    human: Any,
    *,
    systems: Any,
    method: Method = "spearman",
    resamples: int = 1000,
    confidence: float = 0.95,
    rng: RngLike,
) -> GroupedInterval:
    """System-level correlation with a percentile interval over systems resampled with replacement
    (each system keeps its mean metric and mean human score)."""
    a, b = as_pair(metric, human, min_size=2)
    codes = _groups(systems, "systems", a.size)
    sizes = np.bincount(codes)
    ma, mb = np.bincount(codes, weights=a) / sizes, np.bincount(codes, weights=b) / sizes
    if ma.size < 2:
        raise DegenerateInputError(f"system-level {method} needs at least 2 systems, got {ma.size}")
    point = _correlate(ma, mb, method).value
    gen = as_rng(rng)
    draws = np.empty(resamples)
    for k in range(resamples):
        idx = gen.integers(0, ma.size, size=ma.size)
        x, y = ma[idx], mb[idx]
        draws[k] = np.nan if np.all(x == x[0]) or np.all(y == y[0]) else _correlate(x, y, method).value
    lo, hi = percentile_interval(draws, confidence)
    undefined = int((~np.isfinite(draws)).sum())
    return GroupedInterval(
        method, "system", float(point), lo, hi, int(ma.size), resamples, undefined, "percentile_systems"
    )
