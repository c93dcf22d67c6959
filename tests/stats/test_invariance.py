"""One table of invariance checks over every statistic: symmetry where it holds, item order,
input types, and a clear error (never 0 or NaN) on empty or constant input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

import genjudge.stats as gs
from genjudge.stats import DegenerateInputError


def _value(res: Any) -> Any:
    if isinstance(res, gs.ConfusionMatrix):
        return [c for row in res.counts for c in row]
    if isinstance(res, gs.BinaryRates):
        return (res.tpr, res.tnr)
    return res.value


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable[[Any, Any], Any]
    symmetric: bool
    constant_raises: bool


def _alpha(level: str) -> Callable[[Any, Any], Any]:
    return lambda a, b: gs.krippendorff_alpha([list(a), list(b)], level=level)


CASES = [
    Case("alpha_nominal", _alpha("nominal"), True, True),
    Case("alpha_ordinal", _alpha("ordinal"), True, True),
    Case("alpha_interval", _alpha("interval"), True, True),
    Case("alpha_ratio", _alpha("ratio"), True, True),
    Case("cohen_kappa", gs.cohen_kappa, True, True),
    Case(
        "cohen_kappa_linear",
        lambda a, b: gs.cohen_kappa(a, b, weights="linear", labels=[1, 2, 3, 4, 5]),
        True,
        True,
    ),
    Case(
        "cohen_kappa_quadratic",
        lambda a, b: gs.cohen_kappa(a, b, weights="quadratic", labels=[1, 2, 3, 4, 5]),
        True,
        True,
    ),
    Case(
        "fleiss_kappa",
        lambda a, b: gs.fleiss_kappa(np.column_stack([np.asarray(a), np.asarray(b)])),
        True,
        True,
    ),
    Case("pearson", gs.pearson, True, True),
    Case("spearman", gs.spearman, True, True),
    Case("kendall_tau_b", gs.kendall_tau_b, True, True),
    Case("item_level", gs.item_level_correlation, True, True),
    Case("exact_agreement", gs.exact_agreement, True, False),
    Case("adjacent_agreement", gs.adjacent_agreement, True, False),
    # Directional: y_true, y_pred
    Case("confusion_matrix", gs.confusion_matrix, False, False),
    Case(
        "binary_rates",
        lambda a, b: gs.binary_rates(np.asarray(a) > 2, np.asarray(b) > 2, positive=True),
        False,
        False,
    ),
]

A = [1, 2, 3, 4, 5, 2, 3, 4, 1, 5, 3, 3]
B = [1, 3, 3, 4, 4, 2, 2, 5, 1, 5, 2, 3]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_item_order_does_not_matter(case):
    perm = np.random.default_rng(0).permutation(len(A))
    a, b = np.array(A)[perm], np.array(B)[perm]
    assert _value(case.fn(a, b)) == pytest.approx(_value(case.fn(A, B)))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_input_types_list_array_series(case):
    want = _value(case.fn(A, B))
    assert _value(case.fn(np.array(A), np.array(B))) == pytest.approx(want)
    assert _value(case.fn(pd.Series(A), pd.Series(B))) == pytest.approx(want)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_symmetry_where_it_holds(case):
    if case.symmetric:
        assert _value(case.fn(B, A)) == pytest.approx(_value(case.fn(A, B)))
    elif case.name == "binary_rates":
        # A > 2 vs B > 2: tp 6, fn 2, tn 3, fp 1, so TPR = TNR = 6/8 = 3/4. Swapped, TPR becomes the
        # precision tp / (tp + fp) = 6/7 and TNR the negative predictive value tn / (tn + fn) = 3/5.
        assert _value(case.fn(A, B)) == pytest.approx((0.75, 0.75))
        assert _value(case.fn(B, A)) == pytest.approx((6 / 7, 3 / 5))
    else:
        # the confusion matrix transposes
        assert _value(case.fn(B, A)) != _value(case.fn(A, B))
        assert np.array_equal(
            np.reshape(_value(case.fn(B, A)), (5, 5)), np.reshape(_value(case.fn(A, B)), (5, 5)).T
        )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_empty_input_raises_a_clear_error(case):
    with pytest.raises(DegenerateInputError):
        case.fn([], [])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_constant_input(case):
    const = [3] * len(A)
    if case.constant_raises:
        with pytest.raises(DegenerateInputError, match=r"undefined|constant|same"):
            case.fn(const, const)
    else:
        res = case.fn(const, const)  # well defined: the raters agree on every item
        v = _value(res)
        assert v is not None and not (isinstance(v, float) and np.isnan(v))


@pytest.mark.parametrize("case", [c for c in CASES if c.name not in ("fleiss_kappa",)], ids=lambda c: c.name)
def test_mismatched_lengths_raise(case):
    with pytest.raises(DegenerateInputError):
        case.fn(A, B[:-1])


def test_nan_is_refused_not_averaged():
    with pytest.raises(DegenerateInputError, match="NaN"):
        gs.pearson([1.0, 2.0, float("nan")], [1.0, 2.0, 3.0])


@pytest.mark.parametrize("bad", [[[3, -1], [0, 2]], [[1.5, 0.5], [1, 1]], [[2, float("nan")], [1, 1]]])
def test_fleiss_counts_must_be_non_negative_whole_numbers(bad):
    # the first two sum to 2 ratings per item: they passed the "same m" check ([[3, -1], [0, 2]] gave kappa 5.0)
    with pytest.raises(DegenerateInputError, match="non-negative whole counts"):
        gs.fleiss_kappa(bad, from_counts=True)


def test_non_numeric_strings_name_the_argument():
    with pytest.raises(DegenerateInputError, match="y2 must be numeric"):
        gs.pearson([1, 2, 3], ["a", "b", "c"])


def test_all_is_sorted_and_complete():
    assert gs.__all__ == sorted(gs.__all__)
    assert all(hasattr(gs, name) for name in gs.__all__)
    assert len(set(gs.__all__)) == len(gs.__all__)
