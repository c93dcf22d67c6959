"""Order-statistic intervals of quantiles: the textbook median case, unbounded sides, coverage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, norm

from genjudge.stats import DegenerateInputError, QuantileInterval, quantile_interval


def test_median_of_20_is_bracketed_by_the_6th_and_15th_values():
    # B ~ Bin(20, .5): P(B <= 5) = 0.0207 <= .025 < P(B <= 6) = 0.0577, and P(B >= 15) = 0.0207 by
    # symmetry, so (x(6), x(15)) covers P(6 <= B <= 14) = 1 - 2 * 0.0207 = 0.9586.
    x = np.random.default_rng(0).normal(size=20)
    r = quantile_interval(x, 0.5)
    s = np.sort(x)
    assert (r.low, r.high) == (s[5], s[14])
    assert r.value == pytest.approx(np.median(x))
    assert (r.n, r.q, r.confidence, r.method) == (20, 0.5, 0.95, "order_statistic")
    assert binom.cdf(14, 20, 0.5) - binom.cdf(5, 20, 0.5) == pytest.approx(0.9586, abs=1e-4)


def test_p99_of_20_values_has_no_upper_bound():
    # P(all 20 below the P99) = .99^20 = 0.818 > .025: even x(20) is not a 97.5% upper bound.
    r = quantile_interval(np.arange(20.0), 0.99)
    assert r.high is None
    # lower: the largest l with P(B <= l - 1) <= .025 under Bin(20, .99)
    ranks = [lo for lo in range(1, 21) if binom.cdf(lo - 1, 20, 0.99) <= 0.025]
    assert r.low == float(max(ranks) - 1)
    assert quantile_interval(np.arange(20.0), 0.01).low is None


@pytest.mark.parametrize(("n", "q"), [(10, 0.5), (50, 0.95), (200, 0.95), (137, 0.3)])
def test_each_tail_is_the_tightest_at_most_alpha_over_2(n: int, q: float):
    x = np.arange(1.0, n + 1)  # x(i) = i
    r = quantile_interval(x, q)
    if r.low is not None:
        lo = int(r.low)
        assert binom.cdf(lo - 1, n, q) <= 0.025 < binom.cdf(lo, n, q)
    if r.high is not None:
        hi = int(r.high)
        assert binom.sf(hi - 1, n, q) <= 0.025 < binom.sf(hi - 2, n, q)


def _coverage(n: int, q: float, draws: int = 2000) -> tuple[float, float, list[QuantileInterval]]:
    rng = np.random.default_rng(1)
    truth = float(np.exp(norm.ppf(q)))  # the q-quantile of LogNormal(0, 1)
    runs = [quantile_interval(rng.lognormal(size=n), q) for _ in range(draws)]
    hits = [(r.low is None or r.low <= truth) and (r.high is None or truth <= r.high) for r in runs]
    widths = [r.high - r.low for r in runs if r.low is not None and r.high is not None]
    return float(np.mean(hits)), float(np.mean(widths)) if widths else float("nan"), runs


def test_coverage_on_lognormal_samples():
    cover50, width50, _ = _coverage(50, 0.5)
    # exact: P(18 <= B <= 32) for Bin(50, .5) = 0.967; the median of LogNormal(0, 1) is 1 and an
    # asymptotic 95% interval is about 2 * 1.96 * sqrt(.25 / 50) / f(1) = 0.70 wide
    assert 0.94 <= cover50 <= 0.99
    assert width50 < 0.9
    cover95, _, runs = _coverage(50, 0.95)
    # 50 values cannot bound P95 from above (.95^50 = 0.077 > .025): every high is None
    assert cover95 >= 0.94 and all(r.high is None for r in runs)
    cover95_200, width95_200, runs = _coverage(200, 0.95)
    assert 0.94 <= cover95_200 <= 0.99 and all(r.high is not None for r in runs)
    # the P95 is 5.18; asymptotically 2 * 1.96 * sqrt(.95 * .05 / 200) / f(5.18) = 3.03 wide
    # (f(5.18) = phi(1.645) / 5.18 = 0.0199); the skewed tail stretches the upper order statistic
    assert width95_200 < 1.5 * 3.03


def test_non_finite_values_dropped_and_empty_refused():
    r = quantile_interval(np.array([3.0, np.nan, 1.0, np.inf, 2.0]), 0.5)
    assert (r.n, r.value) == (3, 2.0)
    with pytest.raises(DegenerateInputError, match="finite"):
        quantile_interval(np.array([np.nan]), 0.5)
    with pytest.raises(ValueError, match="q must be"):
        quantile_interval(np.arange(5.0), 1.0)


def test_the_binomial_tails_are_scipy_stats_binom_to_the_last_bit():
    # quantile_interval reads the tails from scipy.special (no scipy.stats import on a run's path):
    # they must be the very numbers scipy.stats.binom gives, or an interval could move a rank.
    from genjudge.stats.quantiles import _binomial_tails

    rng = np.random.default_rng(3)
    for n in [1, 2, 20, 97, 500, *rng.integers(1, 5000, 40).tolist()]:
        for q in [0.5, 0.9, 0.95, 0.99, *rng.uniform(0.001, 0.999, 5).tolist()]:
            k = np.arange(n)
            cdf, sf = _binomial_tails(k, int(n), q)
            assert np.array_equal(cdf, binom.cdf(k, n, q)) and np.array_equal(sf, binom.sf(k, n, q)), (n, q)
