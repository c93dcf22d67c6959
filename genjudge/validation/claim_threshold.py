"""Calibrate the p(yes) threshold of claim verdicts on a rated sample, instead of fixing it at 0.5.

A small judge's "yes" is often timid: its p(yes) ranks supported claims above the others (that is
what it can be trusted for) while rarely passing 0.5. Given the judge's p(yes) and people's verdicts
on the same claims (supported or not), the threshold is the one that maximises Youden's J =
TPR − FPR (equivalently balanced accuracy, (TPR + TNR) / 2), read off the ROC curve
(:func:`sklearn.metrics.roc_curve`; Youden 1950, "Index for rating diagnostic tests"). Set it as the
``threshold`` option of the ``judge_claims`` check. A threshold found on one population carries to
another only as far as the judge's calibration does: re-calibrate on a sample of the data you score.

>>> calibrate_threshold([0.9, 0.4, 0.35, 0.2, 0.1], [True, True, True, False, False]).threshold
0.35
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from genjudge.stats import DegenerateInputError

__all__ = ["ThresholdCalibration", "calibrate_threshold"]


@dataclass(frozen=True)
class ThresholdCalibration:
    """The calibrated threshold and how it separates the rated claims."""

    threshold: float
    """Claims with p(yes) at or above it are supported."""
    balanced_accuracy: float
    tpr: float
    """Share of the claims people called supported that the judge calls supported."""
    tnr: float
    """Share of the other claims that the judge does not call supported."""
    positives: int
    negatives: int
    balanced_accuracy_at_half: float
    """The same at the uncalibrated 0.5, for comparison."""


def calibrate_threshold(p_yes: Sequence[float], supported: Sequence[bool]) -> ThresholdCalibration:
    """The p(yes) threshold maximising balanced accuracy against people's ``supported`` verdicts.

    Ties are broken towards the higher threshold (fewer claims passed). Raises DegenerateInputError when the
    lengths differ, a probability is outside [0, 1] or not finite, or either class is absent.
    """
    from sklearn.metrics import roc_curve

    p = np.asarray(p_yes, dtype=float)
    y = np.asarray(supported, dtype=bool)
    if p.shape != y.shape or p.ndim != 1:
        raise DegenerateInputError(f"p_yes and supported differ in length ({p.size} vs {y.size})")
    if not np.all(np.isfinite(p)) or p.min(initial=0.0) < 0.0 or p.max(initial=0.0) > 1.0:
        raise DegenerateInputError("p_yes has values outside [0, 1] (or NaN)")
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        raise DegenerateInputError(
            f"the rated sample needs both supported and unsupported claims (has {pos} and {neg})"
        )
    fpr, tpr, thresholds = roc_curve(y, p, drop_intermediate=False)
    finite = np.isfinite(thresholds)
    j = np.where(finite, tpr - fpr, -np.inf)
    best = int(np.flatnonzero(j == j.max())[0])  # thresholds decrease: the first is the highest
    t = float(min(thresholds[best], 0.999))
    half = float(((p >= 0.5) & y).sum() / pos + ((p < 0.5) & ~y).sum() / neg) / 2
    return ThresholdCalibration(
        threshold=t,
        balanced_accuracy=float((tpr[best] + 1 - fpr[best]) / 2),
        tpr=float(tpr[best]),
        tnr=float(1 - fpr[best]),
        positives=pos,
        negatives=neg,
        balanced_accuracy_at_half=half,
    )
