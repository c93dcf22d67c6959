"""Calibration: hand-derived ECE / MCE, bins against scikit-learn, Brier and NLL against sklearn, and
temperature scaling that recovers a known temperature."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss

from genjudge.stats import (
    DegenerateInputError,
    apply_temperature,
    binary_probs,
    brier_per_item,
    cross_validated_temperature,
    expected_calibration_error,
    fit_temperature,
    max_calibration_error,
    nll_per_item,
    reliability_bins,
    top_label,
)

CONF = np.array([0.15, 0.4, 0.55, 0.65, 0.85, 0.95])
CORRECT = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0])


def test_ece_and_mce_by_hand():
    # 5 uniform bins (0, .2], (.2, .4], (.4, .6], (.6, .8], (.8, 1]; 0.4 sits on an edge: bin 2 of 5.
    #   bin 1: 0.15, wrong      -> |0 - .15| = .15
    #   bin 2: 0.40, right      -> |1 - .40| = .60
    #   bin 3: 0.55, right      -> |1 - .55| = .45
    #   bin 4: 0.65, wrong      -> |0 - .65| = .65
    #   bin 5: 0.85, 0.95 right -> |1 - .90| = .10 (2 items)
    # ECE = (.15 + .60 + .45 + .65) / 6 + 2/6 * .10 = 2.05 / 6 = 0.341667; MCE = .65
    assert expected_calibration_error(CONF, CORRECT, n_bins=5) == pytest.approx(2.05 / 6)
    assert max_calibration_error(CONF, CORRECT, n_bins=5) == pytest.approx(0.65)
    bins = reliability_bins(CONF, CORRECT, n_bins=5)
    assert [b.count for b in bins] == [1, 1, 1, 1, 2]
    assert bins[4].mean_confidence == pytest.approx(0.9) and bins[4].accuracy == 1.0
    assert (bins[1].lower, bins[1].upper) == pytest.approx((0.2, 0.4))


def test_empty_bins_are_none_and_do_not_count():
    bins = reliability_bins(np.array([0.95, 0.97]), np.array([1.0, 0.0]))
    assert [b.count for b in bins] == [0] * 9 + [2]
    assert bins[0].mean_confidence is None and bins[0].accuracy is None
    # one bin: |0.5 - 0.96| = 0.46
    assert expected_calibration_error(np.array([0.95, 0.97]), np.array([1.0, 0.0])) == pytest.approx(0.46)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("n_bins", [3, 10])
def test_bins_match_sklearn_calibration_curve(strategy: str, n_bins: int):
    rng = np.random.default_rng(1)
    conf = rng.beta(5, 2, 400)
    conf[:60] = np.round(conf[:60], 1)  # values on uniform edges: right-closed like sklearn
    conf[60:70] = 0.0
    correct = (rng.random(400) < conf).astype(float)
    acc, mean_conf = calibration_curve(correct, conf, n_bins=n_bins, strategy=strategy)
    bins = [b for b in reliability_bins(conf, correct, n_bins=n_bins, strategy=strategy) if b.count]
    np.testing.assert_allclose([b.accuracy for b in bins], acc, rtol=0, atol=1e-12)
    np.testing.assert_allclose([b.mean_confidence for b in bins], mean_conf, rtol=0, atol=1e-12)
    assert sum(b.count for b in bins) == 400


def test_top_label_first_index_on_ties():
    conf, correct = top_label(np.array([[0.5, 0.5, 0.0], [0.3, 0.3, 0.4]]), np.array([1, 2]))
    assert conf.tolist() == [0.5, 0.4] and correct.tolist() == [0.0, 1.0]


def test_brier_against_sklearn_binary_and_multiclass():
    rng = np.random.default_rng(2)
    c = rng.random(200)
    y = (rng.random(200) < c).astype(int)
    per_item = brier_per_item(binary_probs(c), y)
    # binary: sklearn's default halves the two-class sum, i.e. mean (c - y)^2
    assert per_item.mean() / 2 == pytest.approx(brier_score_loss(y, c))
    assert per_item.mean() == pytest.approx(brier_score_loss(y, c, scale_by_half=False))
    probs = rng.dirichlet([1.0, 2.0, 3.0], 200)
    y3 = rng.integers(0, 3, 200)
    # multiclass (k >= 3): sklearn 1.9's default does not halve: the same sum over classes
    assert brier_per_item(probs, y3).mean() == pytest.approx(brier_score_loss(y3, probs, labels=[0, 1, 2]))
    # hand: [0.1, 0.2, 0.7], class 2 -> 0.01 + 0.04 + 0.09 = 0.14
    assert brier_per_item(np.array([[0.1, 0.2, 0.7]]), np.array([2]))[0] == pytest.approx(0.14)


def test_nll_matches_log_loss():
    rng = np.random.default_rng(3)
    probs = rng.dirichlet([1.0, 1.0, 1.0, 1.0], 300)
    y = rng.integers(0, 4, 300)
    assert nll_per_item(probs, y).mean() == pytest.approx(log_loss(y, probs, labels=[0, 1, 2, 3]))
    # -log(0.25) by hand, and a confident mistake clipped at eps
    assert nll_per_item(np.array([[0.25, 0.75]]), np.array([0]))[0] == pytest.approx(np.log(4))
    assert nll_per_item(np.array([[0.0, 1.0]]), np.array([0]))[0] == pytest.approx(-np.log(1e-15))


def _synthetic(reported_scale: float, n: int = 5000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from softmax(z); reported probabilities softmax(reported_scale z): true T = scale."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 1.5, (n, 4))
    true = softmax(z, axis=1)
    y = (rng.random(n)[:, None] > np.cumsum(true, axis=1)).sum(axis=1)
    return softmax(z * reported_scale, axis=1), y


@pytest.mark.parametrize("scale", [2.5, 0.5])
def test_temperature_recovered_over_and_underconfident(scale: float):
    probs, y = _synthetic(scale)
    assert fit_temperature(probs, y) == pytest.approx(scale, abs=0.25 * min(scale, 1.0))
    fit = cross_validated_temperature(probs, y, folds=5, seed=0)
    assert fit.folds == 5 and fit.n == 5000 and len(fit.fold_temperatures) == 5
    assert all(abs(t - scale) < 0.25 for t in fit.fold_temperatures)
    assert fit.ece_after < fit.ece_before
    assert fit.nll_after < fit.nll_before and fit.brier_after < fit.brier_before
    # 'before' is the probabilities as given
    conf, correct = top_label(probs, y)
    assert fit.ece_before == pytest.approx(expected_calibration_error(conf, correct))


def test_apply_temperature_by_hand():
    # [0.2, 0.8] at T = 2: sqrt(0.2) : sqrt(0.8) = 1 : 2 -> [1/3, 2/3]
    np.testing.assert_allclose(apply_temperature(np.array([[0.2, 0.8]]), 2.0), [[1 / 3, 2 / 3]])
    probs = np.array([[0.1, 0.3, 0.6]])
    np.testing.assert_allclose(apply_temperature(probs, 1.0), probs)


def test_cross_validation_is_seeded_and_refuses_tiny_input():
    probs, y = _synthetic(2.0, n=200)
    a = cross_validated_temperature(probs, y, seed=4)
    assert a == cross_validated_temperature(probs, y, seed=4)
    assert a.fold_temperatures != cross_validated_temperature(probs, y, seed=5).fold_temperatures
    with pytest.raises(DegenerateInputError, match="at least 10 items"):
        cross_validated_temperature(probs[:9], y[:9])
    assert cross_validated_temperature(probs[:12], y[:12], folds=50).folds == 12


def test_bad_input_is_refused():
    with pytest.raises(DegenerateInputError, match=r"row 1 sums to 0\.9"):
        brier_per_item(np.array([[0.5, 0.5], [0.4, 0.5]]), np.array([0, 1]))
    with pytest.raises(DegenerateInputError, match="outside"):
        nll_per_item(np.array([[0.5, 0.5]]), np.array([2]))
    with pytest.raises(DegenerateInputError, match="0 or 1"):
        expected_calibration_error(np.array([0.5]), np.array([0.5]))
    with pytest.raises(ValueError, match="strategy"):
        reliability_bins(CONF, CORRECT, strategy="equal")
