"""precision_recall_f1 against scikit-learn, including every 0/0 case under each zero_division."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

from genjudge.extraction import prf
from genjudge.stats.classification import precision_recall_f1


@pytest.mark.parametrize("zero_division", [0.0, 1.0, np.nan])
@pytest.mark.parametrize("seed", range(5))
def test_matches_sklearn_per_class(zero_division, seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 4, 40)
    y_pred = rng.integers(0, 4, 40)
    y_pred[y_pred == 3] = 0  # class 3 is never predicted: precision is 0/0
    labels = [0, 1, 2, 3, 4]  # class 4 is neither true nor predicted: all three are 0/0
    tp = np.array([np.sum((y_true == c) & (y_pred == c)) for c in labels])
    fp = np.array([np.sum((y_true != c) & (y_pred == c)) for c in labels])
    fn = np.array([np.sum((y_true == c) & (y_pred != c)) for c in labels])
    got = precision_recall_f1(tp, fp, fn, zero_division=zero_division)
    want = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=None, zero_division=zero_division
    )[:3]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, equal_nan=True)


def test_scalars_and_the_report_form():
    # 1 TP, 2 FP, 2 FN: P = R = 1/3, F1 = 2/(2+2+2) = 1/3.
    assert precision_recall_f1(1, 2, 2, zero_division=0.0) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    p, r, f = precision_recall_f1(0, 0, 0, zero_division=np.nan)
    assert math.isnan(p) and math.isnan(r) and math.isnan(f)
    assert precision_recall_f1(0, 0, 0, zero_division=1.0) == (1.0, 1.0, 1.0)
    # prf is the JSON-report form: undefined is None, never 0.0.
    assert prf(0, 0, 5) == (None, 0.0, 0.0)


def test_zero_division_is_required():
    with pytest.raises(TypeError):
        precision_recall_f1(1, 0, 0)  # type: ignore[call-arg]
