"""The traps of issue 10: each default that used to give a quiet wrong number now refuses or counts."""

from __future__ import annotations

import numpy as np
import pytest

from genjudge.stats import (
    DegenerateInputError,
    bootstrap_ci,
    bootstrap_draws,
    cohen_kappa,
    jeffreys_interval,
    krippendorff_alpha,
    wilson_interval,
)


def test_weighted_kappa_needs_the_ordered_scale():
    a, b = [1, 2, 2, 4], [1, 2, 4, 4]
    with pytest.raises(DegenerateInputError, match="labels="):
        cohen_kappa(a, b, weights="linear")
    # Unused scale point 3: with the declared scale, 2 vs 4 is two steps apart, not one.
    declared = cohen_kappa(a, b, weights="linear", labels=[1, 2, 3, 4, 5]).value
    observed_only = cohen_kappa(a, b, weights="linear", labels=[1, 2, 4]).value
    assert declared != pytest.approx(observed_only)
    # Text labels take the rubric's order, not the alphabet's.
    scale = ["poor", "fair", "good"]
    k = cohen_kappa(["poor", "fair", "good"], ["fair", "fair", "good"], weights="quadratic", labels=scale)
    assert k.value == pytest.approx(
        cohen_kappa([0, 1, 2], [1, 1, 2], weights="quadratic", labels=[0, 1, 2]).value
    )
    # Unweighted kappa does not depend on the order and needs no scale.
    assert cohen_kappa(a, b).value == pytest.approx(cohen_kappa(a, b, labels=[4, 2, 1]).value)


def test_alpha_single_unit_is_undefined_not_zero():
    with pytest.raises(DegenerateInputError, match="undefined"):
        krippendorff_alpha([[1.0], [2.0], [3.0]], allow_more_raters=True)


def test_alpha_wrong_orientation_is_detected():
    units_by_raters = np.array([[1, 2], [2, 2], [3, 3], [4, 5], [5, 5]], float)  # 5 units, 2 raters
    with pytest.raises(DegenerateInputError, match="transpose"):
        krippendorff_alpha(units_by_raters)
    assert krippendorff_alpha(units_by_raters.T).n_units == 5


def test_ratio_alpha_refuses_negative_values():
    with pytest.raises(DegenerateInputError, match="non-negative"):
        krippendorff_alpha([[1.0, -2.0, 3.0], [1.0, 2.0, 3.0]], level="ratio")


def test_resampling_requires_a_seed():
    with pytest.raises(ValueError, match="seed"):
        bootstrap_ci(lambda i: 0.0, 3, rng=None)
    with pytest.raises(TypeError):
        bootstrap_ci(lambda i: 0.0, 3)  # no default: the seed is a required keyword


def test_degenerate_resamples_are_counted_not_a_crash():
    x = np.array([1.0, 1.0, 1.0, 2.0])

    def stat(i: np.ndarray) -> float:
        if np.all(x[i] == x[i][0]):
            raise DegenerateInputError("constant")
        return float(x[i].mean())

    d = bootstrap_draws(stat, 4, resamples=400, rng=0)
    # P(a resample has no 2.0) = (3/4)^4 = 0.316
    assert 0.25 < d.undefined / 400 < 0.39
    ci = bootstrap_ci(stat, 4, resamples=400, rng=0)
    assert ci.undefined == d.undefined and ci.low is not None


def test_proportion_intervals_never_degenerate_at_the_bounds():
    for f in (wilson_interval, jeffreys_interval):
        lo, hi = f(np.array([0, 100]), 100)
        assert lo[0] == 0.0 and hi[0] > 0.01
        assert hi[1] == 1.0 and lo[1] < 0.99
