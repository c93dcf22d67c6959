"""Confidence intervals chosen per kind of number (see docs/statistics.md for the argument).

- proportions (0/1 per item): the Jeffreys interval (Brown, Cai & DasGupta 2001), which keeps its
  coverage near 0 and 1 where the Wilson interval dips (0.91 at p = 0.99, n = 50), and is never
  degenerate: at 0 of n or n of n it still has width. Clustered items use it on the Kish effective
  sample size ``n / deff``. :func:`wilson_interval` is kept for comparison and for sample sizes.
- means of scores: the bias-corrected and accelerated (BCa) bootstrap (Efron 1987; Efron &
  Tibshirani 1993, ch. 14), whose acceleration for a mean has a closed form from the jackknife.
- anything else (correlations, agreement coefficients, macro averages): the percentile bootstrap
  over the right unit (items, documents, systems or clusters).

Every function here is vectorised over its first argument where that makes sense.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

__all__ = [
    "CIMethod",
    "bca_interval",
    "design_effect",
    "jeffreys_interval",
    "mean_acceleration",
    "wilson_interval",
]


class CIMethod(StrEnum):
    """The interval method a number records in ``ci_method``."""

    JEFFREYS = "jeffreys"
    """Jeffreys interval of a proportion (Beta(k + 1/2, n - k + 1/2) quantiles)."""
    JEFFREYS_CLUSTERED = "jeffreys_clustered"
    """Jeffreys interval on the effective sample size n / deff of clustered items."""
    BCA = "bca"
    """BCa bootstrap over items (exact multinomial resampling when values fall in few categories)."""
    BCA_CLUSTERED = "bca_clustered"
    """BCa bootstrap over the clusters the run names (whole clusters resampled)."""
    PERCENTILE = "percentile"
    """Percentile bootstrap over items."""
    PERCENTILE_CLUSTERED = "percentile_clustered"
    """Percentile bootstrap over clusters (documents, systems or a named column)."""
    NORMAL = "normal"
    """Large-n normal limit of the bootstrap of a mean (past ``RESAMPLE_LIMIT`` items)."""


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    from scipy.special import ndtri

    return float(ndtri(0.5 + confidence / 2.0))


def wilson_interval(
    successes: np.ndarray | float, n: np.ndarray | float, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval: the p with ``|p_hat - p| <= z sqrt(p (1 - p) / n)``.

    ``center = (p_hat + z^2 / 2n) / (1 + z^2 / n)``,
    ``half = z / (1 + z^2 / n) * sqrt(p_hat (1 - p_hat) / n + z^2 / 4n^2)``. ``n`` may be fractional
    (an effective sample size). NaN where ``n`` is 0. Wilson (1927).

    >>> lo, hi = wilson_interval(20, 20)
    >>> round(float(lo), 4), float(hi)
    (0.8389, 1.0)
    """
    z = _z(confidence)
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / m
        denom = 1.0 + z * z / m
        center = (p + z * z / (2 * m)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m))
        lo = np.clip(center - half, 0.0, 1.0)
        hi = np.clip(center + half, 0.0, 1.0)
    # At 0 or n the bound is exactly 0 or 1 (rounding otherwise leaves 1e-17).
    lo = np.where(k <= 0, 0.0, lo)
    hi = np.where(k >= m, 1.0, hi)
    return lo, hi


def jeffreys_interval(
    successes: np.ndarray | float, n: np.ndarray | float, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Jeffreys interval: equal-tailed quantiles of Beta(k + 1/2, n - k + 1/2), with the bound set to
    0 (1) when k = 0 (n) (Brown, Cai & DasGupta 2001). ``n`` may be fractional (effective size).

    >>> lo, hi = jeffreys_interval(20, 20)
    >>> round(float(lo), 4), float(hi)
    (0.8834, 1.0)
    """
    from scipy.special import betaincinv

    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    _z(confidence)
    tail = (1.0 - confidence) / 2.0
    with np.errstate(invalid="ignore"):
        lo = np.where(k <= 0, 0.0, betaincinv(k + 0.5, m - k + 0.5, tail))
        hi = np.where(k >= m, 1.0, betaincinv(k + 0.5, m - k + 0.5, 1.0 - tail))
    bad = ~(m > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def mean_acceleration(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The BCa acceleration of a mean from its jackknife, in closed form.

    Leaving item i out moves the mean to ``(S - x_i) / (n - 1)``, so the jackknife deviations are
    proportional to ``x_i - mean`` and ``a = sum d^3 / (6 (sum d^2)^(3/2))`` with ``d = x - mean``
    (Efron & Tibshirani 1993, eq. 14.15). ``weights`` counts how often each value occurs.
    """
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    total = w.sum()
    if total <= 0:
        return 0.0
    d = x - (w @ x) / total
    ss = w @ d**2
    if ss <= 0:
        return 0.0
    return float((w @ d**3) / (6.0 * ss**1.5))


def bca_interval(
    draws: np.ndarray, point: float, acceleration: float, *, confidence: float = 0.95
) -> tuple[float | None, float | None]:
    """BCa interval from bootstrap ``draws`` of a statistic whose estimate is ``point``.

    ``z0 = Phi^-1(share of draws below point, ties counted half)``; the percentile levels become
    ``Phi(z0 + (z0 + z_q) / (1 - a (z0 + z_q)))`` for ``z_q`` at both tails (Efron 1987).
    Non-finite draws are left out; (None, None) when none is finite.
    """
    from scipy.special import ndtr, ndtri

    z = _z(confidence)
    d = np.asarray(draws, dtype=float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return None, None
    if np.all(d == d[0]):
        return float(d[0]), float(d[0])
    below = (np.count_nonzero(d < point) + 0.5 * np.count_nonzero(d == point)) / d.size
    z0 = float(ndtri(np.clip(below, 1.0 / (2 * d.size), 1.0 - 1.0 / (2 * d.size))))
    levels = []
    for zq in (-z, z):
        t = z0 + zq
        levels.append(float(ndtr(z0 + t / (1.0 - acceleration * t))))
    lo, hi = np.quantile(d, levels)
    return float(lo), float(hi)


def design_effect(successes: np.ndarray, sizes: np.ndarray) -> float:
    """Kish's design effect of a proportion over clusters: the variance of the ratio estimator
    ``sum k_c / sum n_c`` (linearised, between clusters) over the binomial variance, floored at 1.

    1 when the proportion is 0 or 1 (no variance to inflate) or there is a single cluster.
    """
    k = np.asarray(successes, dtype=float)
    m = np.asarray(sizes, dtype=float)
    c, n = m.size, m.sum()
    if c < 2 or n <= 0:
        return 1.0
    p = k.sum() / n
    if p <= 0 or p >= 1:
        return 1.0
    var_cluster = c / (c - 1) * np.sum((k - p * m) ** 2) / n**2
    var_srs = p * (1 - p) / n
    return float(max(1.0, var_cluster / var_srs))
