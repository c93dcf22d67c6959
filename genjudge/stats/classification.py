"""Precision, recall and F1 from counts: the one definition, for labels and for extracted fields.

precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 TP / (2 TP + FP + FN) (the harmonic
mean of precision and recall, written so it is defined whenever either is). Where a denominator is
0 the value is ``zero_division``, which the caller must choose, as in scikit-learn's
``precision_recall_fscore_support``: ``0.0`` for a class that is never predicted and never true
inside a macro mean (scikit-learn's ``zero_division=0``), ``nan`` where "undefined" must stay
visible (an item with no fields).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["precision_recall_f1"]


def precision_recall_f1(tp: Any, fp: Any, fn: Any, *, zero_division: float) -> tuple[Any, Any, Any]:
    """(precision, recall, F1) from true-positive, false-positive and false-negative counts.

    Scalars give floats, arrays give arrays (element-wise). ``zero_division`` is the value where a
    denominator is 0 (0.0, 1.0 or nan).

    >>> precision_recall_f1(1, 2, 2, zero_division=0.0)
    (0.3333333333333333, 0.3333333333333333, 0.3333333333333333)
    >>> precision_recall_f1(0, 0, 3, zero_division=float("nan"))
    (nan, 0.0, 0.0)
    """
    tp, fp, fn = (np.asarray(x, dtype=float) for x in (tp, fp, fn))
    out = []
    for num, den in ((tp, tp + fp), (tp, tp + fn), (2 * tp, 2 * tp + fp + fn)):
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den > 0, num / np.where(den > 0, den, 1.0), zero_division)
        out.append(float(value) if value.ndim == 0 else value)
    return out[0], out[1], out[2]
