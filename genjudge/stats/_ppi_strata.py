"""The strata of :mod:`genjudge.stats.ppi`: per-stratum estimates, power tuning and pooling.

A stratum (a :class:`_Cell`) holds its labeled items' human and judge values with design weights
and its unlabeled items' judge values. :func:`_collapse` pools strata with fewer than
``MIN_LABELS`` labels; :func:`_tuned` and :func:`_crossfit` pick PPI++'s ``lam``;
:func:`_estimate_cell` gives the stratum's PPI and human-only pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from genjudge.stats._inputs import DegenerateInputError

__all__ = ["MIN_LABELS", "StratumPart", "Tuning"]

MIN_LABELS = 2
"""Labels a stratum needs to stand alone; smaller strata are pooled."""


class Tuning(StrEnum):
    """How PPI++ picks ``lam`` (the weight of the judge in each stratum's estimate)."""

    OVERALL = "overall"
    """One lam minimising the variance of the stratified estimate, fitted on the same labels (with one
    stratum: exactly ppi-python's ``ppi_mean_ci``)."""
    STRATUM = "stratum"
    """lam_h per stratum, each minimising its stratum's variance."""
    CROSSFIT = "crossfit"
    """The default: the overall lam, but each labeled item's fitted on the other half of the labels
    (split by ``seed``). A lam fitted on the labels it then weighs pulls the estimate towards the
    judge: with 30-50 labels a stratum, 95% intervals covered 0.91-0.93 (docs/statistics.md)."""


@dataclass(frozen=True)
class StratumPart:
    """One estimation stratum: its share ``weight = N_h / N`` and both estimators' pieces.

    ``var_imputed`` (``lam^2 var(f_unlabeled) / N_u``) and ``var_rectifier`` (``var(Y - lam f) / n``)
    are the PPI variance's two terms; ``human_var`` is ``var(Y) / n``. ``pooled`` names the strata
    collapsed into this one (empty when it stands alone).
    """

    key: str
    scored: bool
    n_total: int
    n_labeled: int
    weight: float
    lam: float
    ppi_value: float
    var_imputed: float
    var_rectifier: float
    human_value: float
    human_var: float
    pooled: tuple[str, ...] = ()

    @property
    def n_unlabeled(self) -> int:
        return self.n_total - self.n_labeled


def _wmean_var(x: np.ndarray, w: np.ndarray, ddof: int) -> tuple[float, float]:
    """Weighted (Hajek) mean of ``x`` and its variance ``sum wn^2 (x - mean)^2 * n / (n - ddof)``.

    With equal weights this is ``mean(x)`` and ``var(x, ddof) / n``; exactly 0 for constant ``x``.
    """
    if np.all(x == x[0]):
        return float(x[0]), 0.0
    wn = w / w.sum()
    mean = float(wn @ x)
    n = x.size
    var = float((wn * wn) @ (x - mean) ** 2) * (n / (n - ddof) if n > ddof else 1.0)
    return mean, var


def _wvar(x: np.ndarray, w: np.ndarray, ddof: int) -> float:
    """Weighted per-unit variance ``sum wn (x - mean)^2 * n / (n - ddof)``."""
    if x.size == 0 or np.all(x == x[0]):
        return 0.0  # exactly: rounding in the weighted mean must not make a constant judge "vary"
    wn = w / w.sum()
    n = x.size
    return float(wn @ (x - wn @ x) ** 2) * (n / (n - ddof) if n > ddof else 1.0)


@dataclass(frozen=True)
class _Cell:
    key: str
    scored: bool
    y: np.ndarray  # labeled human values
    f: np.ndarray  # judge values of the labeled items (unused when not scored)
    w: np.ndarray  # design weights of the labeled items
    fu: np.ndarray  # judge values of the unlabeled items
    wu: np.ndarray
    n_total: int
    pooled: tuple[str, ...] = ()


def _moments(cell: _Cell) -> tuple[float, float] | None:
    """``(cov(Y, f), var(f))`` of a stratum whose judge values can power its estimate, else None.

    As ppi-python: the covariance over the labeled items with divisor n, the variance over labeled and
    unlabeled judge values together with divisor n - 1 (weighted in a pool)."""
    if not (cell.scored and cell.fu.size):
        return None
    wn = cell.w / cell.w.sum()
    cov = float(wn @ ((cell.y - wn @ cell.y) * (cell.f - wn @ cell.f)))
    return cov, _wvar(np.concatenate([cell.f, cell.fu]), np.concatenate([cell.w, cell.wu]), 1)


def _tuned(cells: Sequence[_Cell], n_all: int, tuning: Tuning) -> list[float]:
    """PPI++'s variance-minimising lam, clipped to [0, 1]: one for the whole stratified estimate
    (``sum W_h^2 cov_h / n_h / sum W_h^2 var_h (1 / n_h + 1 / N_u,h)``) or one per stratum
    (``cov_h / ((1 + n_h / N_u,h) var_h)``); 0 where the judge cannot help (no verdict, no unlabeled)."""
    moments = [_moments(c) for c in cells]
    if tuning is Tuning.STRATUM:
        return [
            min(max(m[0] / ((1.0 + c.y.size / c.fu.size) * m[1]), 0.0), 1.0) if m and m[1] > 0 else 0.0
            for c, m in zip(cells, moments, strict=True)
        ]
    num = den = 0.0
    for c, m in zip(cells, moments, strict=True):
        if m is not None:
            w2 = (c.n_total / n_all) ** 2
            num += w2 * m[0] / c.y.size
            den += w2 * m[1] * (1.0 / c.y.size + 1.0 / c.fu.size)
    lam = min(max(num / den, 0.0), 1.0) if den > 0 else 0.0
    return [lam if m is not None else 0.0 for m in moments]


def _crossfit(cells: Sequence[_Cell], n_all: int, seed: int) -> list[np.ndarray]:
    """Per labeled item, the overall lam estimated from the other half of every stratum's labels only
    (judge variance from those labels too), so that it is independent of the item and of the unlabeled
    mean it multiplies: the estimate stays unbiased, which a lam fitted on the same labels is not."""
    rng = np.random.default_rng(seed)
    folds = [rng.permutation(c.y.size) % 2 for c in cells]
    out = [np.zeros(c.y.size) for c in cells]
    usable = [c.scored and c.fu.size > 0 for c in cells]
    for k in (0, 1):
        num = den = 0.0
        for c, fold, ok in zip(cells, folds, usable, strict=True):
            other = fold != k
            if ok and other.sum() >= 2:
                wn = c.w[other] / c.w[other].sum()
                y, f = c.y[other], c.f[other]
                w2 = (c.n_total / n_all) ** 2
                num += w2 * float(wn @ ((y - wn @ y) * (f - wn @ f))) / c.y.size
                den += w2 * _wvar(f, c.w[other], 1) * (1.0 / c.y.size + 1.0 / c.fu.size)
        lam = min(max(num / den, 0.0), 1.0) if den > 0 else 0.0
        for o, fold, ok in zip(out, folds, usable, strict=True):
            o[fold == k] = lam if ok else 0.0
    return out


def _estimate_cell(cell: _Cell, n_all: int, lam: float | np.ndarray, ddof: int) -> StratumPart:
    """The stratum's pieces; ``lam`` is one number or one per labeled item (cross-fitting), and then
    ``theta_h = lam_bar mean(f_unlabeled) + mean(Y - lam_i f_i)`` with ``lam_bar`` their mean."""
    human_value, human_var = _wmean_var(cell.y, cell.w, ddof)
    lam_i = np.broadcast_to(np.asarray(lam, dtype=float), cell.y.shape)
    if not (cell.scored and cell.fu.size):
        lam_i = np.zeros(cell.y.size)
    lam_bar = float((cell.w / cell.w.sum()) @ lam_i)
    if not np.any(lam_i):
        ppi_value, var_rect, var_imp = human_value, human_var, 0.0
    else:
        rect_mean, var_rect = _wmean_var(cell.y - lam_i * cell.f, cell.w, ddof)
        imp_mean, var_imp = _wmean_var(cell.fu, cell.wu, ddof)
        if cell.fu.size < 2:  # one unlabeled item: its spread comes from all the stratum's judge values
            var_imp = _wvar(np.concatenate([cell.f, cell.fu]), np.concatenate([cell.w, cell.wu]), 1)
        ppi_value, var_imp = lam_bar * imp_mean + rect_mean, lam_bar * lam_bar * var_imp
    lam = lam_bar
    return StratumPart(
        key=cell.key, scored=cell.scored, n_total=cell.n_total, n_labeled=int(cell.y.size),
        weight=cell.n_total / n_all, lam=float(lam), ppi_value=ppi_value, var_imputed=var_imp,
        var_rectifier=var_rect, human_value=human_value, human_var=human_var, pooled=cell.pooled,
    )  # fmt: skip


def _pool(cells: list[_Cell], key: str) -> _Cell:
    """Collapse strata into one, weighting each labeled item by ``N_h / n_h`` (its stratum's inverse
    sampling fraction) and each unlabeled one by ``N_h / (N_h - n_h)``. A pool mixing scored and
    unscored strata is estimated from the labels alone (``lam = 0``)."""

    def weights(c: _Cell) -> tuple[np.ndarray, np.ndarray]:
        n = c.y.size
        nu = c.fu.size
        return (np.full(n, c.n_total / n) if n else np.empty(0)), (
            np.full(nu, c.n_total / nu) if nu else np.empty(0)
        )

    ws = [weights(c) for c in cells]
    return _Cell(
        key=key, scored=all(c.scored for c in cells),
        y=np.concatenate([c.y for c in cells]), f=np.concatenate([c.f for c in cells]),
        w=np.concatenate([w for w, _ in ws]), fu=np.concatenate([c.fu for c in cells]),
        wu=np.concatenate([wu for _, wu in ws]), n_total=sum(c.n_total for c in cells),
        pooled=tuple(k for c in cells for k in (c.pooled or (c.key,))),
    )  # fmt: skip


def _collapse(cells: list[_Cell]) -> tuple[list[_Cell], list[str]]:
    """Pool strata with fewer than ``MIN_LABELS`` labels: scored ones together, unscored ones together;
    a pool still short of labels joins the other pool, then the standing stratum with fewest labels."""
    notes: list[str] = []
    big = [c for c in cells if c.y.size >= MIN_LABELS]
    small = [c for c in cells if c.y.size < MIN_LABELS]
    if not small:
        return big, notes
    pools = [[c for c in small if c.scored], [c for c in small if not c.scored]]
    pools = [p for p in pools if p]
    if len(pools) == 2 and min(sum(c.y.size for c in p) for p in pools) < MIN_LABELS:
        pools = [pools[0] + pools[1]]
    out = list(big)
    for members in pools:
        while sum(c.y.size for c in members) < MIN_LABELS:
            if not out:
                raise DegenerateInputError(f"PPI needs at least {MIN_LABELS} human labels, got fewer")
            donor = min(out, key=lambda c: c.y.size)
            out.remove(donor)
            members.append(donor)
        pool = _pool(members, "pool(" + ", ".join(k for c in members for k in (c.pooled or (c.key,))) + ")")
        notes.append(f"{len(pool.pooled)} strata with < {MIN_LABELS} labels pooled into {pool.key} "
                     f"({pool.n_total} items, {pool.y.size} labels), design-weighted")  # fmt: skip
        out.append(pool)
    return out, notes
