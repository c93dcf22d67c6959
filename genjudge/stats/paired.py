"""Paired comparisons of two runs on the same items, and multiplicity control.

- :func:`paired_difference`: the mean of per-item differences ``x - y`` with a BCa bootstrap
  interval over items (or over clusters); the pairing is kept because each resampled item brings
  both of its values.
- :func:`mcnemar_exact`: McNemar's exact test of two paired proportions, the two-sided binomial
  test of the discordant pairs ``b`` (x=1, y=0) against ``c`` (x=0, y=1) at 1/2 (McNemar 1947).
- :func:`paired_proportion_difference`: the difference ``p_x - p_y`` of paired proportions with
  Newcombe's hybrid score interval (Newcombe 1998, method 10), built from the two Wilson intervals
  and the phi correlation of the pairs; never degenerate when every pair agrees.
- :func:`holm` and :func:`benjamini_hochberg`: adjusted p-values for many tests at once
  (Holm 1979, family-wise error; Benjamini & Hochberg 1995, false discovery rate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from genjudge.stats._inputs import DegenerateInputError, as_pair, as_vector
from genjudge.stats.bootstrap import RngLike, as_rng, cluster_codes, cluster_weight_sums
from genjudge.stats.intervals import CIMethod, bca_interval, mean_acceleration, wilson_interval

__all__ = [
    "MultipleTests",
    "PairedDifference",
    "PairedTest",
    "benjamini_hochberg",
    "holm",
    "mcnemar_exact",
    "newcombe_interval",
    "paired_difference",
    "paired_proportion_difference",
]


@dataclass(frozen=True)
class PairedDifference:
    """``estimate = mean(x) - mean(y)`` over ``n`` paired items, with its interval and method."""

    estimate: float
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str
    confidence: float
    n_clusters: int | None = None


@dataclass(frozen=True)
class PairedTest:
    """McNemar's exact test: ``b`` pairs with x=1, y=0; ``c`` with x=0, y=1; two-sided p-value."""

    b: int
    c: int
    n: int
    p_value: float


@dataclass(frozen=True)
class MultipleTests:
    """Adjusted p-values in input order, and which hypotheses are rejected at ``alpha``."""

    method: str
    alpha: float
    p_adjusted: tuple[float, ...]
    reject: tuple[bool, ...]


def paired_difference(
    x: Any,
    y: Any,
    *,
    resamples: int = 2000,
    confidence: float = 0.95,
    rng: RngLike,
    clusters: Any = None,
) -> PairedDifference:
    """Mean paired difference of two runs' per-item scores, with a BCa bootstrap interval.

    Resampling items (or whole ``clusters``) keeps each item's two values together, so the interval
    reflects the correlation between the runs. For 0/1 outcomes prefer
    :func:`paired_proportion_difference` (a score interval that does not collapse when runs agree).

    >>> d = paired_difference([0.9, 0.8, 0.7, 0.95, 0.6], [0.8, 0.8, 0.5, 0.9, 0.6], rng=0)
    >>> round(d.estimate, 3), d.ci_low <= d.estimate <= d.ci_high
    (0.07, True)
    """
    a, b = as_pair(x, y, min_size=2)
    d = a - b
    gen = as_rng(rng)
    point = float(d.mean())
    if clusters is None:
        draws = np.empty(resamples)
        step = max(1, 4_000_000 // d.size)
        for start in range(0, resamples, step):
            stop = min(resamples, start + step)
            draws[start:stop] = d[gen.integers(0, d.size, size=(stop - start, d.size))].mean(axis=1)
        lo, hi = bca_interval(draws, point, mean_acceleration(d), confidence=confidence)
        return PairedDifference(point, lo, hi, int(d.size), CIMethod.BCA.value, confidence)
    codes = cluster_codes(clusters)
    if codes.size != d.size:
        raise DegenerateInputError(f"clusters must have one entry per item, got {codes.size} for {d.size}")
    _, local = np.unique(codes, return_inverse=True)
    sums = np.bincount(local, weights=d)
    sizes = np.bincount(local).astype(float)
    if sums.size < 2:
        raise DegenerateInputError("a cluster bootstrap needs at least 2 clusters")
    boot = cluster_weight_sums(np.column_stack([sums, sizes]), resamples=resamples, rng=gen)
    draws = boot[:, 0] / boot[:, 1]
    jk = (sums.sum() - sums) / (sizes.sum() - sizes)
    dev = jk.mean() - jk
    ss = float((dev**2).sum())
    acc = float((dev**3).sum() / (6 * ss**1.5)) if ss > 0 else 0.0
    lo, hi = bca_interval(draws, point, acc, confidence=confidence)
    return PairedDifference(
        point, lo, hi, int(d.size), CIMethod.BCA_CLUSTERED.value, confidence, int(sums.size)
    )


def _binary_pair(x: Any, y: Any) -> tuple[int, int, int, int]:
    a, b = as_pair(x, y)
    if not (np.isin(a, (0.0, 1.0)).all() and np.isin(b, (0.0, 1.0)).all()):
        raise DegenerateInputError("paired proportions need 0/1 outcomes in x and y")
    a, b = a.astype(bool), b.astype(bool)
    return int((a & b).sum()), int((a & ~b).sum()), int((~a & b).sum()), int((~a & ~b).sum())


def mcnemar_exact(x: Any, y: Any) -> PairedTest:
    """McNemar's exact test: ``p = P(|B - (b+c)/2| >= |b - (b+c)/2|)`` for B ~ Binomial(b + c, 1/2).

    With no discordant pair the p-value is 1 (no evidence of a difference).

    >>> mcnemar_exact([1] * 10 + [0] * 2, [0] * 10 + [1] * 2).p_value  # b=10, c=2: 2 * 79 / 4096
    0.03857421875
    """
    import scipy.stats

    both, b, c, neither = _binary_pair(x, y)
    n = both + b + c + neither
    p = 1.0 if b + c == 0 else float(scipy.stats.binomtest(b, b + c, 0.5).pvalue)
    return PairedTest(b, c, n, min(1.0, p))


def paired_proportion_difference(x: Any, y: Any, *, confidence: float = 0.95) -> PairedDifference:
    """``p_x - p_y`` for paired 0/1 outcomes with Newcombe's (1998) method-10 score interval.

    With Wilson limits ``(l1, u1)`` of ``p_x`` and ``(l2, u2)`` of ``p_y`` and ``phi`` the phi
    coefficient of the 2x2 table with Newcombe's correction (``ad - bc`` less ``n/2`` when above it,
    0 between 0 and ``n/2``; 0 when a margin is empty):
    ``low = D - sqrt((p_x - l1)^2 - 2 phi (p_x - l1)(u2 - p_y) + (u2 - p_y)^2)``,
    ``high = D + sqrt((p_y - l2)^2 - 2 phi (p_y - l2)(u1 - p_x) + (u1 - p_x)^2)``.

    Fagerland, Lydersen & Laake (2017, ch. 8), Cavo et al. table (a=59, b=6, c=16, d=80):
    -0.0621 (95% CI -0.1186 to -0.0046).

    >>> x = [1] * 65 + [0] * 96
    >>> y = [1] * 59 + [0] * 6 + [1] * 16 + [0] * 80
    >>> r = paired_proportion_difference(x, y)
    >>> round(r.estimate, 4), round(r.ci_low, 4), round(r.ci_high, 4)
    (-0.0621, -0.1186, -0.0046)
    """
    a, b, c, d = _binary_pair(x, y)
    lo, hi = newcombe_interval(a, b, c, d, confidence=confidence)
    n = a + b + c + d
    return PairedDifference(float((b - c) / n), float(lo), float(hi), n, "newcombe_paired", confidence)


def newcombe_interval(
    a: Any, b: Any, c: Any, d: Any, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's interval for ``(b - c) / n`` from the paired 2x2 counts, vectorised over tables."""
    a, b, c, d = (np.asarray(v, dtype=float) for v in (a, b, c, d))
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson_interval(a + b, n, confidence=confidence)
    l2, u2 = wilson_interval(a + c, n, confidence=confidence)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    # Newcombe's continuity-corrected phi: a positive association is shrunk by n/2.
    corrected = np.where(cross > n / 2, cross - n / 2, np.where(cross < 0, cross, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(margins > 0, corrected / np.sqrt(margins), 0.0)
    diff = p1 - p2
    dl = np.sqrt(np.maximum(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    du = np.sqrt(np.maximum(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2))
    return np.maximum(-1.0, diff - dl), np.minimum(1.0, diff + du)


def _p_values(p_values: Sequence[float]) -> np.ndarray:
    p = as_vector(p_values, "p_values")
    if ((p < 0) | (p > 1)).any():
        raise DegenerateInputError("p_values must lie in [0, 1]")
    return p


def holm(p_values: Sequence[float], *, alpha: float = 0.05) -> MultipleTests:
    """Holm's step-down adjustment: ``p_(i) * (m - i + 1)``, made monotone, capped at 1 (Holm 1979).

    >>> holm([0.01, 0.04, 0.03]).p_adjusted
    (0.03, 0.06, 0.06)
    """
    p = _p_values(p_values)
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    out = np.empty(m)
    out[order] = adjusted
    return MultipleTests("holm", alpha, tuple(float(v) for v in out), tuple(bool(v) for v in out <= alpha))


def benjamini_hochberg(p_values: Sequence[float], *, alpha: float = 0.05) -> MultipleTests:
    """Benjamini-Hochberg adjusted p-values (false discovery rate under independence or positive
    dependence; Benjamini & Hochberg 1995), as :func:`scipy.stats.false_discovery_control`."""
    import scipy.stats

    p = _p_values(p_values)
    out = scipy.stats.false_discovery_control(p, method="bh")
    return MultipleTests(
        "benjamini_hochberg", alpha, tuple(float(v) for v in out), tuple(bool(v) for v in out <= alpha)
    )
