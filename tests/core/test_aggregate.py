"""Sliced aggregation against scikit-learn, and bootstrap intervals against hand-checked cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from genjudge.aggregate import RESAMPLE_LIMIT, Settings, aggregate, prf_from_confusion
from genjudge.checks.base import ConfusionMetrics, MeanMetric
from genjudge.records import Family
from genjudge.stats.bootstrap import bootstrap_ci

LABELS = np.array(["cat", "dog", "eel", "fox"])


def random_table(n: int = 600, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.choice(LABELS, n, p=[0.5, 0.3, 0.15, 0.05])
    pred = np.where(rng.random(n) < 0.7, truth, rng.choice(LABELS, n))
    return pd.DataFrame(
        {
            "truth": truth.astype(object),
            "pred": pred.astype(object),
            "correct": (truth == pred).astype(float),
            "region": rng.choice(["north", "south", "west"], n),
        }
    )


def by(metrics, name, column=None, value=None, label=None):
    found = [
        m
        for m in metrics
        if m.metric == name and m.slice_column == column and m.slice_value == value and m.label == label
    ]
    assert len(found) == 1, (name, column, value, label, found)
    return found[0]


def test_confusion_metrics_match_sklearn_overall_and_per_slice():
    table = random_table()
    spec = ConfusionMetrics(Family.QUALITY, "student", "truth", "pred", with_accuracy=True)
    metrics = aggregate(table, [spec], ["region"], Settings(resamples=200))
    for column, value, rows in [(None, None, table)] + [
        ("region", r, table[table.region == r]) for r in ("north", "south", "west")
    ]:
        y, p = rows.truth.to_numpy(str), rows.pred.to_numpy(str)
        assert by(metrics, "accuracy_score", column, value).value == pytest.approx(accuracy_score(y, p))
        for avg in ("precision", "recall", "f1"):
            expected = precision_recall_fscore_support(y, p, average="macro", zero_division=0)[
                ("precision", "recall", "f1").index(avg)
            ]
            assert by(metrics, f"macro_{avg}_score", column, value).value == pytest.approx(expected)
        labels = sorted(set(y) | set(p))
        pr, rc, f1, support = precision_recall_fscore_support(y, p, labels=labels, zero_division=0)
        for j, label in enumerate(labels):
            assert by(metrics, "f1_score", column, value, label).value == pytest.approx(f1[j])
            assert by(metrics, "precision_score", column, value, label).value == pytest.approx(pr[j])
            assert by(metrics, "recall_score", column, value, label).value == pytest.approx(rc[j])
            assert by(metrics, "f1_score", column, value, label).support == support[j]


def test_prf_handles_classes_never_predicted_like_sklearn():
    y = ["a", "a", "b", "c"]
    p = ["a", "a", "a", "a"]  # b and c never predicted: precision 0 by zero_division=0
    m = np.array([[2, 0, 0], [1, 0, 0], [1, 0, 0]])
    out = prf_from_confusion(m)
    assert out["macro_f1_score"] == pytest.approx(f1_score(y, p, average="macro", zero_division=0))
    assert out["macro_precision_score"] == pytest.approx(2 / 4 / 3)


def test_mean_metric_counts_denominators_and_excludes_unscored():
    table = pd.DataFrame({"v": [1.0, 0.0, np.nan, 1.0, np.nan], "s": ["x", "x", "x", "y", None]})
    metrics = aggregate(
        table,
        [MeanMetric("agreement_rate", Family.FIDELITY, "student_vs_teacher", "v")],
        ["s"],
        Settings(resamples=200, min_support=2),
    )
    overall = by(metrics, "agreement_rate")
    assert (overall.value, overall.n, overall.n_unscored) == (pytest.approx(2 / 3), 3, 2)
    x = by(metrics, "agreement_rate", "s", "x")
    assert (x.value, x.n, x.n_unscored, x.too_small) == (0.5, 2, 1, False)
    y = by(metrics, "agreement_rate", "s", "y")
    assert (y.value, y.n, y.too_small) == (1.0, 1, True)


def test_empty_slice_has_no_value_not_zero():
    table = pd.DataFrame({"v": [np.nan, np.nan, 1.0], "s": ["x", "x", "y"]})
    metrics = aggregate(
        table,
        [MeanMetric("agreement_rate", Family.FIDELITY, "student_vs_teacher", "v")],
        ["s"],
        Settings(resamples=100),
    )
    empty = by(metrics, "agreement_rate", "s", "x")
    assert empty.value is None and empty.n == 0 and empty.n_unscored == 2 and empty.ci_low is None


def test_proportion_interval_is_jeffreys_and_never_degenerate():
    # 0/1 values are a proportion: the Jeffreys interval, the Beta(k + 1/2, n - k + 1/2) quantiles
    # (statsmodels' proportion_confint(method="jeffreys") for 0 < k < n).
    from statsmodels.stats.proportion import proportion_confint

    table = pd.DataFrame({"v": [0.0, 1.0, 1.0, 1.0]})
    m = aggregate(
        table, [MeanMetric("agreement_rate", Family.FIDELITY, "s", "v")], [], Settings(resamples=1000)
    )[0]
    lo, hi = proportion_confint(3, 4, method="jeffreys")
    assert (m.value, m.ci_method) == (0.75, "jeffreys")
    assert (m.ci_low, m.ci_high) == pytest.approx((lo, hi), abs=1e-12)
    # Every item agrees: the percentile bootstrap would say [1, 1]; the interval keeps its width.
    constant = aggregate(
        pd.DataFrame({"v": [1.0] * 50}), [MeanMetric("a", Family.FIDELITY, "s", "v")], [], Settings()
    )[0]
    assert constant.ci_high == 1.0
    assert constant.ci_low == pytest.approx(scipy.stats.beta.ppf(0.025, 50.5, 0.5), abs=1e-12)
    assert constant.ci_low < 0.97


def test_multinomial_bootstrap_matches_item_resampling():
    rng = np.random.default_rng(11)
    values = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], 300, p=[0.1, 0.2, 0.3, 0.25, 0.15])
    m = aggregate(
        pd.DataFrame({"v": values}),
        [MeanMetric("score", Family.QUALITY, "s", "v")],
        [],
        Settings(resamples=4000),
    )[0]
    ci = bootstrap_ci(lambda i: values[i].mean(), len(values), resamples=4000, rng=5)
    lo, hi = ci.low, ci.high
    assert m.ci_low == pytest.approx(lo, abs=0.03) and m.ci_high == pytest.approx(hi, abs=0.03)


def test_continuous_values_resample_and_large_n_uses_normal_limit():
    rng = np.random.default_rng(2)
    small = rng.normal(0.7, 0.1, 500)
    m = aggregate(
        pd.DataFrame({"v": small}),
        [MeanMetric("sim", Family.FIDELITY, "s", "v")],
        [],
        Settings(resamples=500),
    )[0]
    assert m.ci_method == "bca"
    half = 1.96 * small.std() / np.sqrt(500)
    assert m.ci_low == pytest.approx(small.mean() - half, abs=0.003)
    big = rng.normal(0.7, 0.1, RESAMPLE_LIMIT + 1)
    m = aggregate(
        pd.DataFrame({"v": big}), [MeanMetric("sim", Family.FIDELITY, "s", "v")], [], Settings(resamples=500)
    )[0]
    assert m.ci_method == "normal"
    assert m.ci_high - m.value == pytest.approx(1.959964 * big.std() / np.sqrt(len(big)), rel=1e-6)


def test_seed_is_respected_and_order_independent():
    table = random_table()
    # A rating (not a proportion, whose Jeffreys interval draws nothing) is bootstrapped.
    table["rating"] = np.random.default_rng(4).integers(1, 6, len(table)).astype(float)
    spec = MeanMetric("rating_score", Family.QUALITY, "student", "rating")
    a = aggregate(table, [spec], ["region"], Settings(seed=1))
    b = aggregate(table.iloc[::-1].reset_index(drop=True), [spec], ["region"], Settings(seed=1))
    c = aggregate(table, [spec], ["region"], Settings(seed=2))
    assert [(m.ci_low, m.ci_high) for m in a] == [(m.ci_low, m.ci_high) for m in b]
    assert [(m.ci_low, m.ci_high) for m in a] != [(m.ci_low, m.ci_high) for m in c]
