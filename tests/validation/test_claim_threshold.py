"""The p(yes) threshold of claim verdicts, calibrated against people's verdicts (Youden's J)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from genjudge.stats import DegenerateInputError
from genjudge.validation.claim_threshold import calibrate_threshold


def test_the_threshold_maximises_balanced_accuracy_checked_by_brute_force():
    rng = np.random.default_rng(0)
    supported = rng.random(300) < 0.6
    # a timid judge: p(yes) ranks the supported claims higher but rarely passes 0.5
    p = np.clip(np.where(supported, rng.beta(3, 6, 300), rng.beta(1.5, 8, 300)), 0, 1)
    cal = calibrate_threshold(p.tolist(), supported.tolist())
    brute = max(balanced_accuracy_score(supported, p >= t) for t in np.unique(p))
    assert cal.balanced_accuracy == pytest.approx(brute)
    assert cal.balanced_accuracy == pytest.approx(balanced_accuracy_score(supported, p >= cal.threshold))
    assert cal.threshold < 0.5 and cal.balanced_accuracy > cal.balanced_accuracy_at_half
    assert (cal.positives, cal.negatives) == (int(supported.sum()), int((~supported).sum()))


def test_hand_worked_example_and_ties_go_to_the_higher_threshold():
    # at 0.35: TPR 3/3, TNR 2/2 -> balanced accuracy 1.0; at 0.5 only 1 of 3 supported passes
    cal = calibrate_threshold([0.9, 0.4, 0.35, 0.2, 0.1], [True, True, True, False, False])
    assert (cal.threshold, cal.balanced_accuracy, cal.tpr, cal.tnr) == (0.35, 1.0, 1.0, 1.0)
    assert cal.balanced_accuracy_at_half == pytest.approx((1 / 3 + 1) / 2)
    # 0.6 and 0.3 separate equally well (J = 0.5): the higher one is taken
    assert calibrate_threshold([0.6, 0.6, 0.3, 0.3], [True, False, True, False]).threshold >= 0.3


@pytest.mark.parametrize(
    ("p", "y", "message"),
    [
        ([0.5, 0.2], [True], "differ in length"),
        ([0.5, 1.2], [True, False], "outside"),
        ([0.5, float("nan")], [True, False], "outside"),
        ([0.5, 0.2], [True, True], "both supported and unsupported"),
    ],
)
def test_impossible_input_is_refused(p, y, message):
    with pytest.raises(DegenerateInputError, match=message):
        calibrate_threshold(p, y)
