"""Prediction-powered inference: the mean human rating from a few human labels and a judge on every item.

Setting: ``N`` items of a run, each with a judge value ``f_i`` (NaN: no verdict) and, on a labeled
subset drawn by stratified simple random sampling, a human value ``Y_i`` (the raters' mean, in the
metric's units; NaN: not labeled). The estimand is ``theta``, the mean human rating over the
super-population the run's items are drawn from (what the metric would be if humans rated everything).

Three estimators, each with a normal-theory interval:

- ``judge``: the mean of ``f`` over the items with a verdict; an interval around the judge's own
  number, which misses ``theta`` by the judge's bias.
- ``human``: the stratified (design-weighted) mean of the labels, ``sum_h W_h ybar_h``, ``W_h = N_h / N``.
- ``ppi``: stratified PPI++ (Angelopoulos et al. 2023; Angelopoulos, Duchi & Zrnic 2023). In each
  stratum, with the stratum's unlabeled items as the unlabeled set,
  ``theta_h = lam_h mean(f_unlabeled) + mean_labeled(Y - lam_h f)``,
  ``var_h = lam_h^2 var(f_unlabeled) / N_u + var(Y - lam_h f) / n_h``; combined with ``W_h``.

Whether an item has a verdict is part of the stratum key, so items the judge could not score stay
in the estimand (there ``f`` is absent and the stratum's estimate is the humans' mean). ``lam`` is
PPI++'s variance-minimising weight, clipped to [0, 1] as ppi-python does: by default one ``lam`` for
the stratified estimate, each labeled item's fitted on the other half of the labels (cross-fitting;
a ``lam`` fitted on the labels it weighs biases the estimate towards the judge), see :class:`Tuning`.
Strata with fewer than two labels are collapsed into a pool with design weights. The variance adds
``sum_h W_h (theta_h - theta)^2 / N`` for the randomness of the stratum shares (zero with one
stratum, where with ``tuning=Tuning.OVERALL, ddof=0`` the numbers are ppi-python's). See docs/statistics.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from genjudge.stats._inputs import DegenerateInputError, as_vector
from genjudge.stats._ppi_strata import (
    MIN_LABELS,
    StratumPart,
    Tuning,
    _Cell,
    _collapse,
    _crossfit,
    _estimate_cell,
    _tuned,
)
from genjudge.stats.intervals import _z

__all__ = [
    "Estimator",
    "MeanEstimate",
    "PPIComparison",
    "SliceComparisons",
    "StratumPart",
    "Tuning",
    "ppi_by_slice",
    "ppi_mean",
]


class Estimator(StrEnum):
    """Which estimator a :class:`MeanEstimate` comes from."""

    JUDGE = "judge"
    HUMAN = "human"
    PPI = "ppi"


@dataclass(frozen=True)
class MeanEstimate:
    """One estimator's answer: ``value`` with its ``confidence`` interval and standard error."""

    method: Estimator
    value: float
    ci_low: float
    ci_high: float
    se: float
    n_labeled: int
    n_total: int
    confidence: float

    @property
    def width(self) -> float:
        return self.ci_high - self.ci_low


@dataclass(frozen=True)
class PPIComparison:
    """The judge, human-only and PPI estimates of one mean, and the strata they were built from."""

    judge: MeanEstimate
    human: MeanEstimate
    ppi: MeanEstimate
    strata: tuple[StratumPart, ...]
    notes: tuple[str, ...] = ()

    @property
    def width_saved(self) -> float:
        """``1 - ppi width / human width``: the share of the interval the judge saves at equal labels."""
        return 1.0 - self.ppi.width / self.human.width


@dataclass(frozen=True)
class SliceComparisons:
    """Per-slice comparisons; ``skipped`` says why a slice has none (e.g. fewer than 2 labels)."""

    results: dict[str, PPIComparison]
    skipped: dict[str, str]


def _estimate(parts: Sequence[StratumPart], which: Estimator, n_all: int, conf: float) -> MeanEstimate:
    values = np.array([p.ppi_value if which is Estimator.PPI else p.human_value for p in parts])
    variances = np.array(
        [p.var_imputed + p.var_rectifier if which is Estimator.PPI else p.human_var for p in parts]
    )
    weights = np.array([p.weight for p in parts])
    value = float(weights @ values)
    var = float(weights**2 @ variances) + float(weights @ (values - value) ** 2) / n_all
    if not var > 0:
        raise DegenerateInputError(
            f"the {which} interval is undefined: every stratum's labels are constant at the same value "
            f"({value!r}); there is no spread to estimate"
        )
    se = math.sqrt(var)
    z = _z(conf)
    n_lab = sum(p.n_labeled for p in parts)
    return MeanEstimate(which, value, value - z * se, value + z * se, se, n_lab, n_all, conf)


def _constant_notes(parts: Sequence[StratumPart]) -> list[str]:
    """Strata whose labels are all equal: their normal-theory variance is 0, which understates them."""
    return [
        f"{p.key}: all {p.n_labeled} labels equal ({p.human_value:g}); its variance is taken as 0, so the "
        f"intervals leave out that stratum's uncertainty"
        for p in parts
        if p.human_var == 0.0
    ]


def _values(values: Any, name: str) -> np.ndarray:
    """A 1-d float array where None and NaN both mean missing."""
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DegenerateInputError(f"{name} must be numeric (NaN or None for missing): {exc}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise DegenerateInputError(f"{name} must be a non-empty one-dimensional list, got shape {arr.shape}")
    return arr


def _strata(strata: Any) -> np.ndarray:
    arr = np.asarray(strata.to_numpy() if hasattr(strata, "to_numpy") else strata)
    if arr.dtype.kind in "iub":
        return arr
    return as_vector(arr, "strata", numeric=False).astype(str)


def ppi_mean(
    human: Any,
    judge: Any,
    strata: Any = None,
    *,
    confidence: float = 0.95,
    lam: float | None = None,
    tuning: Tuning = Tuning.CROSSFIT,
    ddof: int = 1,
    seed: int = 0,
) -> PPIComparison:
    """Judge, human-only and stratified PPI++ estimates of the mean human rating.

    ``human`` and ``judge`` have one value per item of the run (NaN in ``human``: not labeled; NaN
    in ``judge``: no verdict); ``strata`` labels each item's sampling stratum (None: one stratum).
    ``lam`` None tunes it as PPI++ does, by ``tuning`` (see :class:`Tuning`; default cross-fitted);
    a number fixes it everywhere (1: plain PPI, 0: the human-only estimate). ``ddof=0`` gives
    ppi-python's variances (divisor n); the default ``ddof=1`` the unbiased ones.

    >>> r = ppi_mean([1, 0, None, None, 1, None], [1, 0, 1, 1, 1, 0], lam=1.0)
    >>> r.ppi.value  # mean f over the 3 unlabeled items (2/3) + mean(Y - f) over the labeled (0)
    0.6666666666666666
    """
    y = _values(human, "human")
    f = _values(judge, "judge")
    n_all = y.size
    if f.size != n_all:
        raise DegenerateInputError(f"human and judge must have one value per item, got {n_all} and {f.size}")
    if np.isinf(y).any() or np.isinf(f).any():
        raise DegenerateInputError("human and judge values must be finite (NaN marks a missing one)")
    if lam is not None and not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam must be in [0, 1] or None, got {lam}")
    labels = np.zeros(n_all, dtype=int) if strata is None else _strata(strata)
    if labels.size != n_all:
        raise DegenerateInputError(f"strata must label every item: {labels.size} labels for {n_all} items")
    labeled = ~np.isnan(y)
    if labeled.sum() < MIN_LABELS:
        raise DegenerateInputError(f"PPI needs at least {MIN_LABELS} human labels, got {int(labeled.sum())}")
    scored = ~np.isnan(f)
    if not scored.any():
        raise DegenerateInputError("no item has a judge verdict: there is no judge estimate to correct")
    names, codes = np.unique(labels, return_inverse=True)
    cell_codes = codes * 2 + scored
    cells = []
    for code in np.unique(cell_codes).tolist():
        m = cell_codes == code
        lab, unl = m & labeled, m & ~labeled
        key = f"{names[code // 2]}|{'verdict' if code % 2 else 'no verdict'}"
        cells.append(_Cell(key, bool(code % 2), y[lab], f[lab], np.ones(lab.sum()), f[unl],
                           np.ones(unl.sum()), int(m.sum())))  # fmt: skip
    cells, notes = _collapse(cells)
    lams: Sequence[float | np.ndarray]
    if lam is not None:
        lams = [lam] * len(cells)
    elif tuning is Tuning.CROSSFIT:
        lams = _crossfit(cells, n_all, seed)
    else:
        lams = _tuned(cells, n_all, tuning)
    parts = tuple(_estimate_cell(c, n_all, lam_h, ddof) for c, lam_h in zip(cells, lams, strict=True))
    fj = f[scored]
    j_se = math.sqrt(fj.var(ddof=ddof if fj.size > ddof else 0) / fj.size)
    z = _z(confidence)
    j_val = float(fj.mean())
    judge_est = MeanEstimate(Estimator.JUDGE, j_val, j_val - z * j_se, j_val + z * j_se, j_se, 0, int(fj.size),
                             confidence)  # fmt: skip
    return PPIComparison(
        judge=judge_est,
        human=_estimate(parts, Estimator.HUMAN, n_all, confidence),
        ppi=_estimate(parts, Estimator.PPI, n_all, confidence),
        strata=parts,
        notes=tuple(notes + _constant_notes(parts)),
    )


def ppi_by_slice(
    human: Any,
    judge: Any,
    strata: Any,
    slices: Any,
    *,
    confidence: float = 0.95,
    lam: float | None = None,
    tuning: Tuning = Tuning.CROSSFIT,
) -> SliceComparisons:
    """:func:`ppi_mean` on each slice (the items whose ``slices`` value is the slice's name).

    A slice the sample cannot support (fewer than 2 labels, constant labels) is listed in ``skipped``
    with the reason instead of failing the others.
    """
    y = _values(human, "human")
    f = _values(judge, "judge")
    s = np.asarray(strata, dtype=object)
    names = as_vector(slices, "slices", numeric=False)
    results: dict[str, PPIComparison] = {}
    skipped: dict[str, str] = {}
    for name in sorted({str(v) for v in names.tolist()}):
        m = np.array([str(v) == name for v in names.tolist()])
        try:
            results[name] = ppi_mean(y[m], f[m], s[m], confidence=confidence, lam=lam, tuning=tuning)
        except DegenerateInputError as exc:
            skipped[name] = str(exc)
    return SliceComparisons(results, skipped)
