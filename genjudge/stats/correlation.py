"""Correlation between two sets of scores, and the three granularities of summarization
meta-evaluation.

- item level: one correlation over all items;
- summary level: one correlation per source document (over the systems' summaries of it),
  averaged over documents (Louis & Nenkova 2013; Fabbri et al. 2021, SummEval);
- system level: each system's mean score, one correlation over systems.

Constant input, for which a correlation is undefined, raises
:class:`~genjudge.stats.DegenerateInputError`; at summary level a constant document is left out and
counted in ``n_groups_skipped`` (every document skipped raises).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from genjudge.stats._inputs import DegenerateInputError, as_pair, as_vector, require_varies
from genjudge.stats.bootstrap import cluster_codes

Method = Literal["pearson", "spearman", "kendall"]
METHODS: tuple[str, ...] = ("kendall", "pearson", "spearman")


@dataclass(frozen=True)
class CorrelationResult:
    """A correlation coefficient with its two-sided p-value (from scipy) over ``n`` pairs."""

    statistic: str
    value: float
    n: int
    p_value: float


@dataclass(frozen=True)
class MetaCorrelation:
    """A correlation at one meta-evaluation granularity."""

    statistic: str
    granularity: str
    """``item``, ``summary`` or ``system``."""
    value: float
    n_items: int
    n_groups: int
    """Documents averaged over (summary level), systems correlated (system level), else 0."""
    n_groups_skipped: int = 0
    """Summary level: documents left out because one side was constant or had < 2 summaries."""


def _correlate(y1: Any, y2: Any, method: str) -> CorrelationResult:
    import scipy.stats

    a, b = as_pair(y1, y2, min_size=2)
    require_varies(a, "y1", method)
    require_varies(b, "y2", method)
    if method == "pearson":
        res = scipy.stats.pearsonr(a, b)
        value, p = res.statistic, res.pvalue
    elif method == "spearman":
        value, p = scipy.stats.spearmanr(a, b)
    elif method == "kendall":
        value, p = scipy.stats.kendalltau(a, b, variant="b")
    else:
        raise DegenerateInputError(f"method must be one of {METHODS}, got {method!r}")
    return CorrelationResult(method, float(value), int(a.size), float(p))


def pearson(y1: Any, y2: Any) -> CorrelationResult:
    """Pearson's r, ``cov(x, y) / (sd(x) sd(y))``."""
    return _correlate(y1, y2, "pearson")


def spearman(y1: Any, y2: Any) -> CorrelationResult:
    """Spearman's rho: Pearson's r of the mid-ranks (ties get their average rank)."""
    return _correlate(y1, y2, "spearman")


def kendall_tau_b(y1: Any, y2: Any) -> CorrelationResult:
    """Kendall's tau-b, ``(P - Q) / sqrt((P + Q + T_x)(P + Q + T_y))`` (Kendall 1945, tie-corrected).

    >>> round(kendall_tau_b([1, 2, 3, 4], [1, 3, 2, 4]).value, 3)  # P=5, Q=1, no ties
    0.667
    """
    return _correlate(y1, y2, "kendall")


def correlation(y1: Any, y2: Any, *, method: Method = "spearman") -> CorrelationResult:
    """Dispatch to :func:`pearson`, :func:`spearman` or :func:`kendall_tau_b` by name."""
    return _correlate(y1, y2, method)


def item_level_correlation(metric: Any, human: Any, *, method: Method = "spearman") -> MetaCorrelation:
    """One correlation over all (summary, score) pairs."""
    res = _correlate(metric, human, method)
    return MetaCorrelation(method, "item", res.value, res.n, 0)


def _groups(values: Any, name: str, n: int) -> np.ndarray:
    codes = cluster_codes(as_vector(values, name, numeric=False))
    if codes.size != n:
        raise DegenerateInputError(f"{name} must have one entry per item, got {codes.size} for {n} items")
    return codes


def summary_level_values(
    metric: Any, human: Any, *, documents: Any, method: Method = "spearman"
) -> tuple[np.ndarray, int]:
    """The per-document correlations (documents in order of first appearance) and the number of
    documents skipped because they have < 2 summaries or a constant side."""
    a, b = as_pair(metric, human, min_size=2)
    codes = _groups(documents, "documents", a.size)
    order = np.argsort(codes, kind="stable")
    keys = codes[order]
    values, skipped = [], 0
    for group in np.split(order, np.flatnonzero(keys[1:] != keys[:-1]) + 1):
        x, y = a[group], b[group]
        if group.size < 2 or np.all(x == x[0]) or np.all(y == y[0]):
            skipped += 1
            continue
        values.append(_correlate(x, y, method).value)
    return np.asarray(values, dtype=float), skipped


def summary_level_correlation(
    metric: Any, human: Any, *, documents: Any, method: Method = "spearman"
) -> MetaCorrelation:
    """Mean over documents of the correlation between metric and human scores of that document's summaries."""
    a, _ = as_pair(metric, human, min_size=2)
    # Documents 1 and "1" are two documents: grouping keeps value types apart.
    values, skipped = summary_level_values(metric, human, documents=documents, method=method)
    if not values.size:
        raise DegenerateInputError(
            f"summary-level {method} is undefined: all {skipped} documents have < 2 summaries or constant scores"
        )
    return MetaCorrelation(method, "summary", float(np.mean(values)), int(a.size), int(values.size), skipped)


def system_level_correlation(
    metric: Any, human: Any, *, systems: Any, method: Method = "spearman"
) -> MetaCorrelation:
    """Correlation between the systems' mean metric score and mean human score."""

    a, b = as_pair(metric, human, min_size=2)
    codes = cluster_codes(as_vector(systems, "systems", numeric=False))
    if codes.size != a.size:
        raise DegenerateInputError(
            f"systems must have one entry per item, got {codes.size} for {a.size} items"
        )
    sizes = np.bincount(codes)
    if sizes.size < 2:
        raise DegenerateInputError(f"system-level {method} needs at least 2 systems, got {sizes.size}")
    ma, mb = np.bincount(codes, weights=a) / sizes, np.bincount(codes, weights=b) / sizes
    res = _correlate(ma, mb, method)
    return MetaCorrelation(method, "system", res.value, int(a.size), int(sizes.size), 0)
