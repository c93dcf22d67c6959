"""Coverage of the prediction-powered intervals (:mod:`genjudge.stats.ppi`), by simulation.

Each replication draws a fresh run of ``N`` items from a super-population with three slices, a
biased judge (lenient: it passes failures, worse on one slice) and items the judge could not score
(more often the failures), then a stratified sample of human labels with unequal allocation, and
computes the three estimates. The truth is the super-population mean, known in closed form.
``scripts/ppi_coverage.py`` prints the table into docs/statistics.md; tests/stats/test_ppi.py
asserts it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from genjudge.stats.ppi import Estimator, Tuning, ppi_mean
from genjudge.stats.ppi_budget import allocate, labels_for_width

__all__ = ["BudgetCheck", "CoverageRow", "SCENARIOS", "Scenario", "budget_check", "coverage_rows", "draw_run"]

SLICES = np.array(["A", "B", "C"])
SLICE_P = np.array([0.5, 0.3, 0.2])
DOC_SEED, DOC_REPS, DOC_N = 0, 2000, 2000
"""The settings of the table in docs/statistics.md (and of tests/stats/test_ppi.py)."""


@dataclass(frozen=True)
class Scenario:
    """A judge kind (``binary`` pass/fail or a 1-5 ``score``) and the sampling strata: ``slice``
    (slice x has-verdict) or ``slice_verdict`` (slice x the judge's verdict, the rating sheet's design)."""

    kind: str
    strata: str
    labels: tuple[int, int, int]
    """Labels per slice among the scored items (per verdict under ``slice_verdict``)."""
    unscored_labels: int = 3

    @property
    def name(self) -> str:
        return f"{self.kind} judge, strata slice x {'verdict' if self.strata == 'slice_verdict' else 'has verdict'}"


SCENARIOS = (
    Scenario("binary", "slice", (30, 40, 50), 8),
    Scenario("binary", "slice_verdict", (15, 20, 25), 8),
    Scenario("score", "slice", (30, 40, 50), 8),
)

# Binary: P(human pass | slice); the judge passes a failure with 0.3 (0.6 on slice C) and a pass
# with 0.9. Score: human 1-5 with these slice distributions; judge = human + 0.6 (+1.2 on C) + noise.
PASS_P = np.array([0.8, 0.6, 0.4])
SCORE_P = np.array([[0.05, 0.1, 0.2, 0.35, 0.3], [0.1, 0.15, 0.3, 0.25, 0.2], [0.2, 0.25, 0.25, 0.2, 0.1]])


def truth(kind: str) -> float:
    """The super-population mean human rating."""
    if kind == "binary":
        return float(SLICE_P @ PASS_P)
    return float(SLICE_P @ (SCORE_P @ np.arange(1, 6)))


def draw_run(kind: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(slice index, human value, judge value with NaN = unscored)`` for ``n`` items."""
    s = rng.choice(3, size=n, p=SLICE_P)
    if kind == "binary":
        y = (rng.random(n) < PASS_P[s]).astype(float)
        lenient = np.where(s == 2, 0.6, 0.3)
        f = np.where(y == 1, rng.random(n) < 0.9, rng.random(n) < lenient).astype(float)
        low = y == 0
    else:
        cum = SCORE_P.cumsum(axis=1)[s]
        y = 1.0 + (rng.random(n)[:, None] > cum).sum(axis=1)
        bias = np.where(s == 2, 1.2, 0.6)
        f = np.clip(np.round(y + bias + rng.normal(0, 0.8, n)), 1, 5)
        low = y <= 2
    unscored = rng.random(n) < np.where(low, 0.12, 0.04)
    f[unscored] = np.nan
    return s, y, f


def design_strata(scenario: Scenario, s: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Each item's sampling stratum as an integer code."""
    verdict = np.where(np.isnan(f), -1, f if scenario.strata == "slice_verdict" else 0).astype(int)
    return s * 10 + verdict + 1


def draw_labels(
    codes: np.ndarray,
    wanted: Callable[[int], int],
    rng: np.random.Generator,
    already: np.ndarray | None = None,
) -> np.ndarray:
    """A stratified simple random sample without replacement: ``wanted(code)`` more per stratum."""
    labeled = np.zeros(codes.size, bool) if already is None else already.copy()
    u = rng.random(codes.size) + labeled  # labeled items sort last: never drawn again
    order = np.lexsort((u, codes))
    sorted_codes = codes[order]
    first = np.searchsorted(sorted_codes, sorted_codes, side="left")
    rank = np.arange(codes.size) - first
    uniq, inverse = np.unique(sorted_codes, return_inverse=True)
    take = np.array([wanted(int(c)) for c in uniq], dtype=int)[inverse]
    labeled[order[rank < take]] = True
    return labeled


def _wanted(scenario: Scenario) -> Callable[[int], int]:
    def wanted(code: int) -> int:
        return scenario.unscored_labels if code % 10 == 0 else scenario.labels[code // 10]

    return wanted


@dataclass(frozen=True)
class CoverageRow:
    scenario: str
    estimator: str
    """``judge``, ``human`` or ``ppi (<tuning>)``."""
    coverage: float
    mc_se: float
    mean_width: float
    reps: int


def coverage_rows(
    scenario: Scenario,
    reps: int = DOC_REPS,
    n: int = DOC_N,
    seed: int = DOC_SEED,
    tunings: tuple[Tuning, ...] = (Tuning.CROSSFIT,),
) -> list[CoverageRow]:
    """Coverage and mean width of the judge, human-only and PPI 95% intervals over ``reps`` runs."""
    rng = np.random.default_rng(seed)
    theta = truth(scenario.kind)
    names = [str(Estimator.JUDGE), str(Estimator.HUMAN), *(f"ppi ({t})" for t in tunings)]
    hits = dict.fromkeys(names, 0)
    widths = dict.fromkeys(names, 0.0)
    for _ in range(reps):
        s, y, f = draw_run(scenario.kind, n, rng)
        codes = design_strata(scenario, s, f)
        labeled = draw_labels(codes, _wanted(scenario), rng)
        human = np.where(labeled, y, np.nan)
        cmps = [ppi_mean(human, f, codes, tuning=t) for t in tunings]
        for name, est in zip(names, [cmps[0].judge, cmps[0].human, *(c.ppi for c in cmps)], strict=True):
            hits[name] += int(est.ci_low <= theta <= est.ci_high)
            widths[name] += est.width
    rows = []
    for name in names:
        cov = hits[name] / reps
        rows.append(
            CoverageRow(
                scenario.name, name, cov, float(np.sqrt(cov * (1 - cov) / reps)), widths[name] / reps, reps
            )
        )
    return rows


def _extra(by_code: dict[int, int], code: int) -> int:
    return by_code.get(code, 0)


@dataclass(frozen=True)
class BudgetCheck:
    """Realised PPI width after adding the labels :func:`labels_for_width` asked for, over the target."""

    mean_ratio: float
    mean_extra: float
    reps: int


def budget_check(scenario: Scenario, shrink: float = 0.7, reps: int = 200, seed: int = 1) -> BudgetCheck:
    """Ask for a PPI interval ``shrink`` times the current width, draw that many more labels
    (allocated as :func:`allocate` says) and measure the width reached."""
    if scenario.strata != "slice":
        raise ValueError("the budget check allocates over slice x has-verdict strata")
    rng = np.random.default_rng(seed)
    ratios, extras = [], []
    for _ in range(reps):
        s, y, f = draw_run(scenario.kind, DOC_N, rng)
        codes = design_strata(scenario, s, f)
        labeled = draw_labels(codes, _wanted(scenario), rng)
        cmp = ppi_mean(np.where(labeled, y, np.nan), f, codes)
        target = shrink * cmp.ppi.width
        extra = labels_for_width(cmp, target)
        if extra is None:
            raise AssertionError(f"target {target} unreachable")
        split = allocate(cmp, extra)
        by_code = {int(k.split("|")[0]): v for k, v in split.items()}
        more = draw_labels(codes, functools.partial(_extra, by_code), rng, labeled)
        after = ppi_mean(np.where(more, y, np.nan), f, codes)
        ratios.append(after.ppi.width / target)
        extras.append(extra)
    return BudgetCheck(float(np.mean(ratios)), float(np.mean(extras)), reps)
