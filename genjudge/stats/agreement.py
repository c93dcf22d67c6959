"""Agreement between raters: Krippendorff's alpha, Cohen's and Fleiss' kappa, agreement rates,
the confusion matrix and, for binary verdicts, true-positive and true-negative rates.

Symmetric statistics take ``(y1, y2)``; directional ones take ``(y_true, y_pred)``. Inputs may be
lists, numpy arrays or pandas Series. Undefined cases (empty input, a single category, no
pairable values) raise :class:`~genjudge.stats.DegenerateInputError`; nothing returns 0 or NaN
in place of "undefined".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from genjudge.io.canonical import is_absent
from genjudge.stats._inputs import DegenerateInputError, as_labels, as_pair

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
# Above this many cells (units x values x values) the krippendorff package's coincidence tensor
# does not fit in memory comfortably; interval and ratio then use the pairwise formula below.
_PACKAGE_CELLS = 20_000_000


@dataclass(frozen=True)
class AgreementResult:
    """A proportion or chance-corrected agreement over ``n`` items."""

    statistic: str
    value: float
    n: int


@dataclass(frozen=True)
class KappaResult:
    """Cohen's kappa with the observed and chance-expected (weighted) disagreement."""

    statistic: str
    value: float
    n: int
    weights: str | None
    observed_disagreement: float
    expected_disagreement: float


@dataclass(frozen=True)
class AlphaResult:
    """Krippendorff's alpha at one level of measurement."""

    statistic: str
    value: float
    level: str
    n_units: int
    """Units with at least two ratings (the pairable units)."""
    n_values: int
    """Ratings in pairable units: the ``n`` of Krippendorff's formula."""


@dataclass(frozen=True)
class ConfusionMatrix:
    """Counts with rows = ``y_true`` labels and columns = ``y_pred`` labels, in ``labels`` order."""

    labels: tuple[Any, ...]
    counts: tuple[tuple[int, ...], ...]

    @property
    def n(self) -> int:
        return int(sum(map(sum, self.counts)))

    def as_array(self) -> np.ndarray:
        return np.array(self.counts, dtype=np.int64)


@dataclass(frozen=True)
class BinaryRates:
    """True-positive and true-negative rates of binary verdicts.

    A rate is ``None`` (never 0.0) when its denominator is empty: ``tpr`` when ``y_true`` has no
    positive, ``tnr`` when it has no negative.
    """

    tpr: float | None
    tnr: float | None
    tp: int
    fn: int
    tn: int
    fp: int

    @property
    def n(self) -> int:
        return self.tp + self.fn + self.tn + self.fp


def krippendorff_alpha(
    reliability_data: Any,
    *,
    level: Level = "interval",
    value_domain: Sequence[float] | None = None,
    allow_more_raters: bool = False,
) -> AlphaResult:
    """Krippendorff's alpha, ``1 - D_o / D_e``, for raters x units data with missing ratings as NaN.

    ``D_o`` is the mean disagreement within units (over pairable values, each unit weighted by
    ``1 / (m_u - 1)``) and ``D_e`` the mean disagreement over all pairs of pairable values, with
    the distance of ``level`` (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability").
    Wraps the ``krippendorff`` package; for interval and ratio data with very many distinct values
    (e.g. a mean of ratings) it uses the same formula pairwise, which the package's
    units x values x values tensor cannot hold.

    Refused as undefined: fewer than two pairable units (one unit has no between-unit variation
    to compare with, so ``D_o = D_e`` and alpha would read 0 for no reason), ratio-level data with
    negative values, and a matrix with more rows (raters) than columns (units), which is almost
    always units x raters passed the wrong way round; ``allow_more_raters=True`` accepts it.

    >>> round(krippendorff_alpha([[0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    ...                           [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]], level="nominal").value, 3)
    0.095
    """
    if level not in LEVELS:
        raise DegenerateInputError(f"level must be one of {LEVELS}, got {level!r}")
    data = _reliability_matrix(reliability_data)
    if data.shape[0] > data.shape[1] and not allow_more_raters:
        raise DegenerateInputError(
            f"reliability_data is raters x units; got {data.shape[0]} rows (raters) and {data.shape[1]} "
            "columns (units): pass its transpose, or allow_more_raters=True if there really are more raters"
        )
    if level == "ratio" and np.nanmin(data) < 0:
        raise DegenerateInputError(
            "ratio-level alpha needs non-negative values (a ratio scale has a true zero)"
        )
    present = ~np.isnan(data)
    m_u = present.sum(axis=0)
    pairable = m_u >= 2
    n_units = int(pairable.sum())
    if n_units < 2:
        raise DegenerateInputError(
            f"Krippendorff's alpha is undefined: {n_units} unit(s) rated by two or more raters; it needs at least 2"
        )
    data, present, m_u = data[:, pairable], present[:, pairable], m_u[pairable]
    values = data[present]
    n_values = int(values.size)
    domain = np.unique(values) if value_domain is None else np.asarray(sorted(value_domain), dtype=float)
    if np.unique(values).size < 2:
        raise DegenerateInputError(
            f"Krippendorff's alpha is undefined: every pairable rating is {values[0].item()!r} (no expected disagreement)"
        )
    if value_domain is not None and not np.isin(values, domain).all():
        raise DegenerateInputError("ratings outside value_domain")
    if level in ("interval", "ratio") and n_units * domain.size**2 > _PACKAGE_CELLS:
        value = _pairwise_alpha(data, present, m_u, level)
    else:
        if n_units * domain.size**2 > _PACKAGE_CELLS:
            raise DegenerateInputError(
                f"{domain.size} distinct values are too many for {level} alpha; round the ratings or use interval"
            )
        import krippendorff

        value = float(
            krippendorff.alpha(reliability_data=data, level_of_measurement=level, value_domain=domain)
        )
    return AlphaResult("krippendorff_alpha", value, level, n_units, n_values)


def _reliability_matrix(reliability_data: Any) -> np.ndarray:
    if hasattr(reliability_data, "to_numpy"):
        reliability_data = reliability_data.to_numpy(dtype=float, na_value=np.nan)
    try:
        data = np.array(reliability_data, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DegenerateInputError(
            f"reliability_data must be numeric raters x units (NaN for missing): {exc}"
        ) from None
    if data.ndim != 2 or data.size == 0:
        raise DegenerateInputError(
            f"reliability_data must be a non-empty raters x units matrix, got shape {data.shape}"
        )
    if np.isinf(data).any():
        raise DegenerateInputError("reliability_data has infinite values")
    return data


def _pairwise_alpha(data: np.ndarray, present: np.ndarray, m_u: np.ndarray, level: str) -> float:
    """alpha = 1 - (n - 1) * sum_u [sum_{i!=j in u} d_ij / (m_u - 1)] / sum_{i!=j} d_ij."""
    values = data.T[present.T]  # unit-major order
    n = values.size
    if level == "interval":
        filled = np.where(present, data, 0.0)
        s1, s2 = filled.sum(axis=0), (filled**2).sum(axis=0)
        within = (2.0 * (m_u * s2 - s1**2) / (m_u - 1)).sum()
        total = 2.0 * (n * (values**2).sum() - values.sum() ** 2)
    else:

        def dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            s = a[:, None] + b[None, :]
            with np.errstate(invalid="ignore", divide="ignore"):
                d = ((a[:, None] - b[None, :]) / s) ** 2
            return np.where(s == 0, 0.0, d)

        within = sum(
            dist(col[ok], col[ok]).sum() / (k - 1) for col, ok, k in zip(data.T, present.T, m_u, strict=True)
        )
        total = sum(dist(values[i : i + 2048], values).sum() for i in range(0, n, 2048))
    return float(1.0 - (n - 1) * within / total)


def cohen_kappa(
    y1: Any,
    y2: Any,
    *,
    weights: Literal["linear", "quadratic"] | None = None,
    labels: Sequence[Any] | None = None,
) -> KappaResult:
    """Cohen's kappa, ``1 - sum(w * O) / sum(w * E)``, unweighted or with linear / quadratic weights.

    ``O`` is the observed joint distribution of the two raters' labels, ``E`` the product of its
    margins, ``w_ij`` 0/1 (unweighted), ``|i - j|`` or ``(i - j)^2`` over label positions in
    ``labels``. Cohen (1960); Cohen (1968) for the weighted form.

    Weighted kappa needs ``labels``: the full ordered scale (from the rubric or the declared
    levels). Positions among the *observed* labels would change with unused scale points, and text
    labels would sort alphabetically, so it is refused without them. Unweighted kappa does not
    depend on the order and defaults to the sorted union of the observed labels.

    >>> round(cohen_kappa([1, 1, 2, 2], [1, 2, 2, 2]).value, 3)  # p_o=.75, p_e=.5
    0.5
    """
    if weights is not None and labels is None:
        raise DegenerateInputError(
            f"{weights}-weighted kappa needs labels=: the ordered scale (e.g. [1, 2, 3, 4, 5] from the rubric); "
            "the order of the observed labels is not the scale's"
        )
    a, b, labs = as_labels(y1, y2, labels)
    k = len(labs)
    observed = np.zeros((k, k))
    np.add.at(observed, (a, b), 1.0)
    observed /= a.size
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    i, j = np.indices((k, k))
    if weights is None:
        w = (i != j).astype(float)
    elif weights == "linear":
        w = np.abs(i - j).astype(float)
    elif weights == "quadratic":
        w = ((i - j) ** 2).astype(float)
    else:
        raise DegenerateInputError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    d_o, d_e = float((w * observed).sum()), float((w * expected).sum())
    if d_e == 0.0:
        raise DegenerateInputError("Cohen's kappa is undefined: both raters use one and the same label only")
    name = "cohen_kappa" if weights is None else f"cohen_kappa_{weights}"
    return KappaResult(name, 1.0 - d_o / d_e, int(a.size), weights, d_o, d_e)


def fleiss_kappa(table: Any, *, from_counts: bool = False) -> AgreementResult:
    """Fleiss' kappa, ``(P_bar - P_e) / (1 - P_e)``, for a fixed number ``m`` of raters per item.

    ``table`` is items x raters labels, or with ``from_counts=True`` items x categories counts.
    ``P_i = (sum_j n_ij^2 - m) / (m (m - 1))``, ``P_e = sum_j p_j^2``. Fleiss (1971).
    """
    if hasattr(table, "to_numpy"):
        table = table.to_numpy()
    arr = np.asarray(table, dtype=object if not from_counts else float)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise DegenerateInputError(
            f"Fleiss' kappa needs a non-empty items x raters table, got shape {arr.shape}"
        )
    if from_counts:
        counts = arr.astype(float)
        if not np.all(np.isfinite(counts)) or np.any(counts < 0) or np.any(counts != np.round(counts)):
            raise DegenerateInputError("table (from_counts=True) must hold non-negative whole counts")
    else:
        flat = arr.ravel().tolist()
        if any(is_absent(v) for v in flat):
            raise DegenerateInputError(
                "Fleiss' kappa needs every item rated by every rater (no missing labels)"
            )
        cats = {v: i for i, v in enumerate(sorted(set(flat)))}
        counts = np.zeros((arr.shape[0], len(cats)))
        for row, labels in enumerate(arr.tolist()):
            for v in labels:
                counts[row, cats[v]] += 1
    m = counts.sum(axis=1)
    if not np.all(m == m[0]) or m[0] < 2:
        raise DegenerateInputError("Fleiss' kappa needs the same number (>= 2) of ratings for every item")
    m0, n_items = m[0], counts.shape[0]
    p_i = ((counts**2).sum(axis=1) - m0) / (m0 * (m0 - 1))
    p_j = counts.sum(axis=0) / (n_items * m0)
    p_e = float((p_j**2).sum())
    if p_e >= 1.0:
        raise DegenerateInputError("Fleiss' kappa is undefined: every rating is the same category")
    return AgreementResult("fleiss_kappa", float((p_i.mean() - p_e) / (1.0 - p_e)), int(n_items))


def exact_agreement(y1: Any, y2: Any) -> AgreementResult:
    """Share of items on which the two raters give the same value."""
    a, b = as_pair(y1, y2, numeric=False)
    return AgreementResult(
        "exact_agreement", float(np.mean([x == y for x, y in zip(a, b, strict=True)])), int(a.size)
    )


def adjacent_agreement(y1: Any, y2: Any, *, tolerance: float = 1.0) -> AgreementResult:
    """Share of items on which the two ratings differ by at most ``tolerance`` (one scale point)."""
    a, b = as_pair(y1, y2)
    return AgreementResult(
        "adjacent_agreement", float(np.mean(np.abs(a - b) <= tolerance + 1e-12)), int(a.size)
    )


def confusion_matrix(y_true: Any, y_pred: Any, *, labels: Sequence[Any] | None = None) -> ConfusionMatrix:
    """Counts of (true label, predicted label) pairs; rows are ``y_true``."""
    a, b, labs = as_labels(y_true, y_pred, labels)
    counts = np.zeros((len(labs), len(labs)), dtype=np.int64)
    np.add.at(counts, (a, b), 1)
    return ConfusionMatrix(tuple(labs), tuple(tuple(int(c) for c in row) for row in counts))


def binary_rates(y_true: Any, y_pred: Any, *, positive: Any = 1) -> BinaryRates:
    """TPR = TP / (TP + FN) and TNR = TN / (TN + FP); anything not ``positive`` is negative."""
    a, b = as_pair(y_true, y_pred, numeric=False)
    t = np.array([v == positive for v in a.tolist()])
    p = np.array([v == positive for v in b.tolist()])
    tp, fn = int((t & p).sum()), int((t & ~p).sum())
    tn, fp = int((~t & ~p).sum()), int((~t & p).sum())
    return BinaryRates(
        tpr=tp / (tp + fn) if tp + fn else None,
        tnr=tn / (tn + fp) if tn + fp else None,
        tp=tp,
        fn=fn,
        tn=tn,
        fp=fp,
    )
