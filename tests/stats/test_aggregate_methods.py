"""Each number of the aggregation carries the interval of its kind (ci_method), checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta

from genjudge.aggregate import Settings, aggregate
from genjudge.checks.base import ConfusionMetrics, MeanMetric
from genjudge.records import Family


def _jeffreys(k: int, n: int) -> tuple[float, float]:
    lo = 0.0 if k == 0 else beta.ppf(0.025, k + 0.5, n - k + 0.5)
    hi = 1.0 if k == n else beta.ppf(0.975, k + 0.5, n - k + 0.5)
    return lo, hi


def test_confusion_numbers_state_their_methods():
    # true a,a,a,b,b,c ; pred a,a,b,b,b,b: tp a=2, b=2, c=0; predicted a=2, b=4; true a=3, b=2, c=1.
    table = pd.DataFrame({"t": list("aaabbc") * 10, "p": list("aabbbb") * 10})
    out = aggregate(
        table, [ConfusionMetrics(Family.QUALITY, "s", "t", "p", with_accuracy=True)], [], Settings()
    )
    got = {(m.metric, m.label): m for m in out}
    acc = got[("accuracy_score", None)]
    assert acc.ci_method == "jeffreys" and (acc.ci_low, acc.ci_high) == pytest.approx(_jeffreys(40, 60))
    rec = got[("recall_score", "a")]
    assert rec.ci_method == "jeffreys" and (rec.ci_low, rec.ci_high) == pytest.approx(_jeffreys(20, 30))
    prec = got[("precision_score", "b")]
    assert prec.ci_method == "jeffreys" and (prec.ci_low, prec.ci_high) == pytest.approx(_jeffreys(20, 40))
    # Class c is never predicted: its precision is 0 by convention, not a proportion of anything.
    assert got[("precision_score", "c")].ci_method == "percentile"
    assert got[("recall_score", "c")].ci_low == 0.0  # 0 of 10: the interval keeps its width
    assert got[("recall_score", "c")].ci_high > 0.1
    for name in ("macro_precision_score", "macro_recall_score", "macro_f1_score"):
        assert got[(name, None)].ci_method == "percentile"
    assert got[("f1_score", "a")].ci_method == "percentile"


def test_means_use_bca_and_record_it():
    x = np.random.default_rng(0).exponential(1.0, 300)
    m = aggregate(pd.DataFrame({"v": x}), [MeanMetric("cost", Family.QUALITY, "s", "v")], [], Settings())[0]
    assert m.ci_method == "bca"
    # A right-skewed mean: BCa moves the interval right of the symmetric one.
    half = 1.96 * x.std() / np.sqrt(x.size)
    assert m.ci_high - m.value > half * 0.98 and m.value - m.ci_low < m.ci_high - m.value
