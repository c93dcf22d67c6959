"""The label budget: how many more human ratings reach a target interval width or clear a bar.

- :func:`labels_for_width`: more labels, spread over the strata in proportion to their size, for a
  PPI (or human-only) interval of :func:`~genjudge.stats.ppi.ppi_mean` no wider than a target.
- :func:`labels_for_decision`: more rated items so an interval's lower bound clears an acceptance bar,
  with the half-width shrinking as ``1 / sqrt(n)``.
- :func:`allocate`: the per-stratum split of a number of extra labels.
"""

from __future__ import annotations

import math

import numpy as np

from genjudge.stats.ppi import Estimator, PPIComparison

__all__ = ["allocate", "labels_for_decision", "labels_for_width", "projected_width"]


def allocate(cmp: PPIComparison, extra: int) -> dict[str, int]:
    """Proportional allocation of ``extra`` more labels over the strata (largest remainders), capped at
    each stratum's unlabeled items; the keys are :attr:`StratumPart.key`."""
    if extra < 0:
        raise ValueError(f"extra must be >= 0, got {extra}")
    room = np.array([p.n_unlabeled for p in cmp.strata])
    extra = min(extra, int(room.sum()))
    share = np.array([p.weight for p in cmp.strata]) * extra
    alloc = np.minimum(np.floor(share).astype(int), room)
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    while alloc.sum() < extra:
        for i in order:
            if alloc.sum() < extra and alloc[i] < room[i]:
                alloc[i] += 1
    return {p.key: int(a) for p, a in zip(cmp.strata, alloc, strict=True)}


def _variances(cmp: PPIComparison, extra: np.ndarray, method: Estimator) -> np.ndarray:
    """Each stratum's variance (rows: ``extra``, columns: strata) at ``n_h + extra W_h`` labels."""
    parts = cmp.strata
    w = np.array([p.weight for p in parts])
    n = np.array([p.n_labeled for p in parts], dtype=float)
    nu = np.array([p.n_unlabeled for p in parts], dtype=float)
    n_new = np.minimum(n + extra[:, None] * w, n + nu)
    s_y2 = np.array([p.human_var for p in parts]) * n
    if method is Estimator.HUMAN:
        return np.asarray(s_y2 / n_new)
    lam = np.array([p.lam for p in parts])
    use = (lam > 0) & (nu > 0)
    safe_lam = np.where(use, lam, 1.0)
    s_f2 = np.where(use, np.array([p.var_imputed for p in parts]) * nu / safe_lam**2, 0.0)
    s_d2 = np.array([p.var_rectifier for p in parts]) * n
    s_yf = np.where(use, (s_y2 + lam**2 * s_f2 - s_d2) / (2 * safe_lam), 0.0)
    nu_new = n + nu - n_new
    with np.errstate(divide="ignore", invalid="ignore"):
        tuned = np.clip(s_yf / (s_f2 * (1 + n_new / nu_new)), 0.0, 1.0)
        tuned = np.where(use & (nu_new > 0) & (s_f2 > 0), tuned, 0.0)
        imputed = np.where(tuned > 0, tuned**2 * s_f2 / nu_new, 0.0)
    return np.asarray(imputed + (s_y2 - 2 * tuned * s_yf + tuned**2 * s_f2) / n_new)


def projected_width(
    cmp: PPIComparison, extra: int | np.ndarray, method: Estimator = Estimator.PPI
) -> np.ndarray:
    """Interval width after ``extra`` more labels spread proportionally (fractional ``n_h + extra W_h``).

    Each stratum's moments (``var(Y)``, ``var(f)``, ``cov(Y, f)``, read back from its variance terms)
    give its variance at the new sizes with PPI++'s lam re-tuned for them (it falls towards 0 as the
    unlabeled items run out); the stratum-share term stays. The projection is scaled to equal the
    current width at ``extra = 0``.
    """
    m = np.atleast_1d(np.asarray(extra, dtype=float))
    if method is Estimator.PPI:
        estimate, values = cmp.ppi, np.array([p.ppi_value for p in cmp.strata])
    elif method is Estimator.HUMAN:
        estimate, values = cmp.human, np.array([p.human_value for p in cmp.strata])
    else:
        raise ValueError("labels change the human and ppi intervals only, not the judge's")
    w = np.array([p.weight for p in cmp.strata])
    between = float(w @ (values - estimate.value) ** 2) / estimate.n_total
    var = _variances(cmp, np.concatenate([[0.0], m]), method) @ w**2 + between
    return np.asarray(estimate.width * np.sqrt(var[1:] / var[0]))


def labels_for_width(
    cmp: PPIComparison, target_width: float, method: Estimator = Estimator.PPI
) -> int | None:
    """More human labels (spread proportionally over the strata) for an interval no wider than
    ``target_width``; 0 when it already is, None when labeling every item would not get there.

    >>> from genjudge.stats.ppi import ppi_mean
    >>> cmp = ppi_mean([1, 0, 1, 0] + [None] * 96, [1, 0, 1, 1] + [1, 0] * 48)
    >>> labels_for_width(cmp, cmp.human.width, Estimator.HUMAN)
    0
    """
    if not target_width > 0:
        raise ValueError(f"target_width must be > 0, got {target_width}")
    current = cmp.ppi if method is Estimator.PPI else cmp.human
    if current.width <= target_width:
        return 0
    room = sum(p.n_unlabeled for p in cmp.strata)
    widths = projected_width(cmp, np.arange(1, room + 1), method)
    ok = np.flatnonzero(widths <= target_width)
    return int(ok[0]) + 1 if ok.size else None


def labels_for_decision(value: float, ci_low: float, n: int, bar: float) -> int | None:
    """More rated items so the lower bound clears ``bar``, assuming the half-width ``value - ci_low``
    shrinks as ``1 / sqrt(n)`` and the value stays: the smallest ``n' > n h^2 / (value - bar)^2``,
    less ``n``; 0 when the bound already clears it; None when ``value <= bar`` (no number of items
    lifts a bound above its own estimate).

    >>> labels_for_decision(0.9, 0.82, 100, 0.84)  # h = 0.08 needs n' > 100 * 0.08^2 / 0.06^2 = 177.8
    78
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if not ci_low <= value:
        raise ValueError(f"ci_low {ci_low} is above value {value}")
    if value <= bar:
        return None
    if ci_low > bar:
        return 0
    need = n * (value - ci_low) ** 2 / (value - bar) ** 2
    return max(math.floor(need) + 1 - n, 0)
