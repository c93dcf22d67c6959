"""Quantiles (P50, P95 latency) with a distribution-free interval from order statistics.

The number of the n values below the true ``q``-quantile is Binomial(n, q), whatever the
distribution, so a pair of order statistics brackets it with a probability read off the binomial:
``P(x_(l) <= xi_q <= x_(u)) >= P(l <= B <= u - 1)``, exactly for continuous data and
conservatively with ties (Hahn & Meeker 1991, *Statistical Intervals*, §5.2; Conover 1999,
*Practical Nonparametric Statistics*, §3.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genjudge.stats._inputs import DegenerateInputError

__all__ = ["QuantileInterval", "quantile_interval"]


@dataclass(frozen=True)
class QuantileInterval:
    """A quantile of the data and its confidence interval; a side is None where no bound exists."""

    q: float
    value: float
    """numpy's default (linear) quantile of the finite values."""
    low: float | None
    """The order statistic ``x_(l)``; None when even the smallest value is not a low enough bound."""
    high: float | None
    """The order statistic ``x_(u)``; None when even the largest value is not a high enough bound."""
    n: int
    """Finite values used."""
    confidence: float
    method: str
    """``"order_statistic"``."""


def _binomial_tails(k: np.ndarray, n: int, q: float) -> tuple[np.ndarray, np.ndarray]:
    """``P(B <= k)`` and ``P(B > k)``, ``B ~ Binomial(n, q)``, for integer ``k`` in ``0..n-1``.

    The functions ``scipy.stats.binom.cdf`` / ``.sf`` call (Boost's binomial), taken from
    ``scipy.special`` so that the latency quantiles of every run do not import ``scipy.stats``
    (most of a second); ``scipy.stats`` itself where a SciPy no longer has them there.
    """
    try:
        from scipy.special._ufuncs import _binom_cdf, _binom_sf
    except ImportError:  # pragma: no cover - depends on the SciPy release
        from scipy.stats import binom

        return np.asarray(binom.cdf(k, n, q)), np.asarray(binom.sf(k, n, q))
    return np.asarray(_binom_cdf(k, n, q)), np.asarray(_binom_sf(k, n, q))


def quantile_interval(x: np.ndarray, q: float, *, confidence: float = 0.95) -> QuantileInterval:
    """The ``q``-quantile of the finite values of ``x`` and its equal-tailed order-statistic interval.

    Equal-tailed: ``l`` is the largest rank with ``P(B <= l - 1) <= alpha / 2`` and ``u`` the smallest
    with ``P(B >= u) <= alpha / 2``, ``B ~ Binomial(n, q)``, so each side misses with probability at
    most ``alpha / 2`` and the pair covers with at least ``confidence``. Equal tails, rather than the
    narrowest pair, keep each side meaningful on its own (an upper bound on P95 latency is read
    alone). Where no rank reaches a side's tail (``P(B = n) = q^n > alpha / 2``: 20 values cannot
    bound P99 from above) that side is None, never a made-up bound. Non-finite values are dropped;
    none left raises :class:`DegenerateInputError`.

    >>> r = quantile_interval(np.arange(1.0, 21.0), 0.5)
    >>> r.value, r.low, r.high
    (10.5, 6.0, 15.0)
    >>> quantile_interval(np.arange(1.0, 21.0), 0.99).high is None
    True
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be in (0, 1), got {q}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    values = np.asarray(x, dtype=float).ravel()
    values = np.sort(values[np.isfinite(values)])
    n = values.size
    if n == 0:
        raise DegenerateInputError("quantile_interval needs at least one finite value")
    tail = (1.0 - confidence) / 2.0
    ranks = np.arange(n + 1)
    # l: largest in 1..n with P(B <= l - 1) <= tail; u: smallest in 1..n with P(B >= u) <= tail.
    cdf, sf = _binomial_tails(ranks[:-1], n, q)
    lower_ok = ranks[1:][cdf <= tail]
    upper_ok = ranks[1:][sf <= tail]
    low = float(values[lower_ok.max() - 1]) if lower_ok.size else None
    high = float(values[upper_ok.min() - 1]) if upper_ok.size else None
    return QuantileInterval(
        q=q,
        value=float(np.quantile(values, q)),
        low=low,
        high=high,
        n=n,
        confidence=confidence,
        method="order_statistic",
    )
