"""The intervals read their quantiles from scipy.special, not scipy.stats (a second of start-up):
the very numbers scipy.stats gives, bit for bit, checked against the scipy.stats formulas."""

from __future__ import annotations

import numpy as np
from scipy.stats import beta, norm

from genjudge.stats import bca_interval, items_for_difference, jeffreys_interval, paired_items_for_difference
from genjudge.stats.intervals import _z


def test_jeffreys_bounds_are_scipy_stats_beta_quantiles():
    rng = np.random.default_rng(0)
    n = rng.integers(1, 5000, 2000).astype(float)
    k = np.floor(rng.uniform(0, 1, n.size) * (n + 1))
    n[::7] = n[::7] / 3.7  # effective (fractional) sizes, as clustered items have
    k = np.minimum(k, n)
    for confidence in (0.8, 0.9, 0.95, 0.99):
        lo, hi = jeffreys_interval(k, n, confidence=confidence)
        tail = (1 - confidence) / 2
        with np.errstate(invalid="ignore"):
            want_lo = np.where(k <= 0, 0.0, beta.ppf(tail, k + 0.5, n - k + 0.5))
            want_hi = np.where(k >= n, 1.0, beta.ppf(1 - tail, k + 0.5, n - k + 0.5))
        assert np.array_equal(lo, want_lo) and np.array_equal(hi, want_hi)


def test_bca_and_z_are_scipy_stats_normal_quantiles():
    rng = np.random.default_rng(1)
    for confidence in (0.8, 0.9, 0.95, 0.99):
        z = float(norm.ppf(0.5 + confidence / 2))
        assert _z(confidence) == z
        for _ in range(50):
            draws = rng.normal(rng.uniform(-1, 1), 1, int(rng.integers(20, 2000)))
            point, a = float(rng.normal(0, 0.3)), float(rng.uniform(-0.1, 0.1))
            d = np.sort(draws)
            below = (np.count_nonzero(d < point) + 0.5 * np.count_nonzero(d == point)) / d.size
            z0 = float(norm.ppf(np.clip(below, 1 / (2 * d.size), 1 - 1 / (2 * d.size))))
            levels = [float(norm.cdf(z0 + (z0 + zq) / (1 - a * (z0 + zq)))) for zq in (-z, z)]
            want = tuple(float(v) for v in np.quantile(d, levels))
            assert bca_interval(draws, point, a, confidence=confidence) == want


def test_sample_sizes_use_the_same_normal_quantiles():
    # items_for_difference(0.9, 0.05): (1.96 * 0.3 + 0.8416 * 0.3571)^2 / 0.05^2 = 315.8
    assert items_for_difference(0.9, 0.05) == 316
    assert paired_items_for_difference(0.10, 0.05) == 312
    za, zb = norm.ppf(1 - 0.05 / 2), norm.ppf(0.8)
    assert np.ceil((za * np.sqrt(0.1) + zb * np.sqrt(0.1 - 0.05**2)) ** 2 / 0.05**2) == 312
