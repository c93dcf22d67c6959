"""Drift statistics: PSI by hand and against scipy's KL divergence, JS distance against scipy, and
the MMD permutation test's size and power by simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy

from genjudge.stats.drift import (
    DEFAULT_EPSILON,
    js_distance,
    mmd_permutation_test,
    population_stability_index,
    proportions,
    quantile_bins,
)


def test_psi_by_hand():
    # (0.5 - 0.25) ln 2 + (0.5 - 0.75) ln(2/3) = 0.25 * 0.693147 + 0.25 * 0.405465 = 0.274653
    assert population_stability_index([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.274653, abs=1e-6)
    # Counts give the same as their proportions.
    assert population_stability_index([50, 50], [25, 75]) == pytest.approx(0.274653, abs=1e-6)


def test_psi_is_jeffreys_divergence_scipy():
    rng = np.random.default_rng(1)
    for _ in range(20):
        p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
        assert population_stability_index(p, q) == pytest.approx(entropy(p, q) + entropy(q, p), rel=1e-12)
        assert population_stability_index(p, q) == pytest.approx(population_stability_index(q, p))
    assert population_stability_index([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0


def test_psi_empty_bin_uses_the_stated_epsilon():
    p = np.array([0.5, 0.5, 0.0])
    q = np.array([0.4, 0.4, 0.2])
    pe = np.array([0.5, 0.5, DEFAULT_EPSILON]) / (1 + DEFAULT_EPSILON)
    expected = float(np.sum((pe - q) * np.log(pe / q)))
    assert population_stability_index(p, q) == pytest.approx(expected, rel=1e-12)
    # A larger epsilon gives a smaller (finite) index.
    assert population_stability_index(p, q, epsilon=0.01) < expected < np.inf


def test_psi_conventional_reading_of_a_shift():
    # A 60/40 -> 40/60 swap is a moderate shift: 2 * 0.2 * ln 1.5 = 0.1622 (between 0.1 and 0.25).
    assert population_stability_index([0.4, 0.6], [0.6, 0.4]) == pytest.approx(0.4 * np.log(1.5))


def test_js_distance_matches_scipy_base_2():
    rng = np.random.default_rng(2)
    for _ in range(20):
        p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
        assert js_distance(p, q) == pytest.approx(float(jensenshannon(p, q, base=2)), rel=1e-12)
    assert js_distance([1, 0], [0, 1]) == pytest.approx(1.0)
    assert js_distance([3, 1], [3, 1]) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda: population_stability_index([0.5, 0.5], [1.0]),
        lambda: population_stability_index([0, 0], [0.5, 0.5]),
        lambda: population_stability_index([-0.1, 1.1], [0.5, 0.5]),
        lambda: js_distance([0.5, 0.5], [0.2, 0.3, 0.5]),
        lambda: proportions({}, {"a": 1}),
        lambda: mmd_permutation_test(np.zeros((1, 3)), np.zeros((5, 3))),
        lambda: mmd_permutation_test(np.zeros((4, 3)), np.zeros((5, 2))),
    ],
)
def test_impossible_input_is_an_error(call):
    with pytest.raises(ValueError):
        call()


def test_proportions_over_the_union_of_categories():
    p, q = proportions({"a": 3, "b": 1}, {"b": 2, "c": 2})
    assert p.tolist() == [0.75, 0.25, 0.0] and q.tolist() == [0.0, 0.5, 0.5]


def test_quantile_bins_split_the_reference_evenly():
    ref = np.arange(100, dtype=float)
    edges = quantile_bins(ref, 10)
    counts = np.bincount(np.searchsorted(edges, ref, side="right"))
    assert len(edges) == 9 and counts.tolist() == [10] * 10
    assert quantile_bins(np.ones(50), 10).tolist() == [1.0]  # ties collapse


def _mmd2_direct(x: np.ndarray, y: np.ndarray, s: float) -> float:
    def k(a, b):
        return np.exp(-np.sum((a - b) ** 2) / (2 * s * s))

    m, n = len(x), len(y)
    kxx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    kyy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    kxy = sum(k(a, b) for a in x for b in y) / (m * n)
    return kxx + kyy - 2 * kxy


def test_mmd_statistic_and_bandwidth_match_a_direct_computation():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(7, 3)), rng.normal(0.5, 1, size=(9, 3))
    test = mmd_permutation_test(y, x, permutations=50, rng=0)
    z = np.vstack([x, y])
    d = [np.linalg.norm(z[i] - z[j]) for i in range(16) for j in range(i + 1, 16)]
    assert test.bandwidth == pytest.approx(float(np.sqrt(np.median(np.square(d)))))
    assert test.statistic == pytest.approx(_mmd2_direct(x, y, test.bandwidth), rel=1e-10)
    assert (test.n_reference, test.n_current) == (7, 9)
    again = mmd_permutation_test(y, x, permutations=50, rng=0)
    assert again.p_value == test.p_value  # seeded


def test_mmd_false_alarm_rate_is_at_most_alpha_under_no_shift():
    # 400 data sets with no shift; the test at alpha = 0.05 may fire on at most 5% of them, plus
    # Monte Carlo slack of 3 binomial standard errors: 0.05 + 3 sqrt(0.05 * 0.95 / 400) = 0.0827.
    rng = np.random.default_rng(4)
    reps, alpha = 400, 0.05
    fired = 0
    for _ in range(reps):
        x, y = rng.normal(size=(25, 8)), rng.normal(size=(25, 8))
        fired += mmd_permutation_test(y, x, permutations=99, rng=rng).p_value <= alpha
    assert fired / reps <= alpha + 3 * np.sqrt(alpha * (1 - alpha) / reps)


def test_mmd_finds_a_real_shift():
    # A shift of one standard deviation in 2 of 8 coordinates, 40 items a side: found nearly always.
    rng = np.random.default_rng(5)
    reps = 60
    found = 0
    for _ in range(reps):
        x = rng.normal(size=(40, 8))
        y = rng.normal(size=(40, 8))
        y[:, :2] += 1.0
        found += mmd_permutation_test(y, x, permutations=99, rng=rng).p_value <= 0.05
    assert found / reps >= 0.9
