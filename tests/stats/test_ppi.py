"""Prediction-powered inference (genjudge.stats.ppi, genjudge.stats.ppi_budget) against ppi-python,
hand-computed values and simulation."""

from __future__ import annotations

import math

import numpy as np
import ppi_py
import pytest

from genjudge.coverage_ppi import SCENARIOS, budget_check, coverage_rows
from genjudge.stats import DegenerateInputError
from genjudge.stats.ppi import Estimator, Tuning, ppi_by_slice, ppi_mean
from genjudge.stats.ppi_budget import allocate, labels_for_decision, labels_for_width, projected_width


def _run(seed: int, n: int = 600, share: float = 0.15, continuous: bool = False):
    rng = np.random.default_rng(seed)
    if continuous:
        y = rng.normal(3.0, 1.0, n)
        f = 0.8 * y + 0.9 + rng.normal(0, 0.6, n)
    else:
        y = rng.binomial(1, 0.65, n).astype(float)
        f = np.where(y == 1, rng.random(n) < 0.9, rng.random(n) < 0.35).astype(float)
    labeled = np.zeros(n, bool)
    labeled[rng.choice(n, int(share * n), replace=False)] = True
    return y, f, labeled


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("continuous", [False, True])
@pytest.mark.parametrize("lam", [None, 1.0, 0.4])
def test_one_stratum_equals_ppi_python(seed, continuous, lam):
    y, f, lab = _run(seed, continuous=continuous)
    r = ppi_mean(np.where(lab, y, np.nan), f, ddof=0, lam=lam, tuning=Tuning.OVERALL)
    point = ppi_py.ppi_mean_pointestimate(y[lab], f[lab], f[~lab], lam=lam)
    lo, hi = ppi_py.ppi_mean_ci(y[lab], f[lab], f[~lab], alpha=0.05, lam=lam)
    assert r.ppi.value == pytest.approx(float(np.ravel(point)[0]), abs=1e-10)
    assert (r.ppi.ci_low, r.ppi.ci_high) == pytest.approx((float(lo[0]), float(hi[0])), abs=1e-10)
    c_lo, c_hi = ppi_py.classical_mean_ci(y[lab], alpha=0.05)
    assert (r.human.ci_low, r.human.ci_high) == pytest.approx((c_lo, c_hi), abs=1e-10)
    if lam is None:
        assert 0.0 < r.strata[0].lam <= 1.0  # an informative judge: PPI++ keeps part of it
    assert r.ppi.width < r.human.width


def test_default_ddof_is_the_unbiased_variance():
    y, f, lab = _run(3, continuous=True)
    h = np.where(lab, y, np.nan)
    p0, p1 = ppi_mean(h, f, ddof=0, lam=0.7).strata[0], ppi_mean(h, f, lam=0.7).strata[0]
    n, nu = lab.sum(), (~lab).sum()
    assert p1.var_rectifier == pytest.approx(p0.var_rectifier * n / (n - 1), rel=1e-12)
    assert p1.var_imputed == pytest.approx(p0.var_imputed * nu / (nu - 1), rel=1e-12)
    assert p1.human_var == pytest.approx(np.var(y[lab], ddof=1) / n, rel=1e-12)


def test_equal_sampling_fractions_give_the_unstratified_point_estimate():
    # With n_h / N_h the same in every stratum and one fixed lam, sum_h W_h (lam fbar_u,h + dbar_h)
    # is exactly the pooled lam fbar_u + dbar (the strata are then self-weighting).
    rng = np.random.default_rng(5)
    strata = np.repeat([0, 1, 2], [200, 300, 100])
    y = rng.binomial(1, np.array([0.9, 0.5, 0.2])[strata]).astype(float)
    f = np.where(rng.random(600) < 0.8, y, 1 - y)
    lab = np.zeros(600, bool)
    for h, size in zip([0, 1, 2], [40, 60, 20], strict=True):
        lab[rng.choice(np.flatnonzero(strata == h), size, replace=False)] = True
    r = ppi_mean(np.where(lab, y, np.nan), f, strata, lam=0.6)
    assert r.ppi.value == pytest.approx(
        float(ppi_py.ppi_mean_pointestimate(y[lab], f[lab], f[~lab], lam=0.6)[0])
    )
    assert r.human.value == pytest.approx(y[lab].mean(), abs=1e-12)
    assert sum(p.weight for p in r.strata) == pytest.approx(1.0)
    # and the stratified variance is below the unstratified one: the strata differ in mean
    assert r.ppi.se < ppi_mean(np.where(lab, y, np.nan), f, lam=0.6).ppi.se


def test_unequal_allocation_equals_ppi_python_with_design_weights():
    # Unequal fractions: the stratified estimate with one lam is ppi-python's weighted estimate with
    # labeled weights N_h / n_h and unlabeled weights N_h / (N_h - n_h).
    rng = np.random.default_rng(6)
    strata = np.repeat([0, 1, 2], [300, 200, 100])
    y = rng.normal(np.array([4.0, 3.0, 2.0])[strata], 1.0)
    f = y + 0.5 + rng.normal(0, 0.7, 600)
    sizes = {0: 20, 1: 40, 2: 50}
    lab = np.zeros(600, bool)
    for h, size in sizes.items():
        lab[rng.choice(np.flatnonzero(strata == h), size, replace=False)] = True
    N = np.bincount(strata)
    n = np.array([sizes[h] for h in range(3)])
    w = N[strata] / n[strata]
    wu = N[strata] / (N - n)[strata]
    r = ppi_mean(np.where(lab, y, np.nan), f, strata, lam=0.8)
    expected = ppi_py.ppi_mean_pointestimate(y[lab], f[lab], f[~lab], lam=0.8, w=w[lab], w_unlabeled=wu[~lab])
    assert r.ppi.value == pytest.approx(float(np.ravel(expected)[0]), abs=1e-10)
    lo, hi = ppi_py.classical_mean_ci(y[lab], w=w[lab], alpha=0.05)
    assert r.human.value == pytest.approx((lo + hi) / 2, abs=1e-10)


def test_verdict_strata_make_ppi_the_stratified_human_estimate():
    # Within a slice x verdict stratum a pass/fail judge is constant: lam is moot and PPI adds nothing
    # to stratifying on the verdict (which already is the judge's correction).
    y, f, lab = _run(7)
    r = ppi_mean(np.where(lab, y, np.nan), f, f.astype(int))
    assert all(p.lam == 0.0 for p in r.strata)
    assert (r.ppi.value, r.ppi.se) == (r.human.value, r.human.se)


def test_hand_computed_two_strata():
    #         labeled (Y, f)              unlabeled f
    # a (6):  (1, 1), (0, 1), (1, 0)      1, 1, 0
    # b (4):  (1, 1), (1, 1)              0, 1
    human = [1, 0, 1, None, None, None, 1, 1, None, None]
    judge = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1]
    strata = ["a"] * 6 + ["b"] * 4
    r = ppi_mean(human, judge, strata, lam=1.0)
    # a: 2/3 + mean(0, -1, 1) = 2/3, var 1/3 (rectifier) + 1/9 (imputed); b: 1/2 + 0, var 0 + 1/4
    assert [p.ppi_value for p in r.strata] == pytest.approx([2 / 3, 0.5])
    assert r.ppi.value == pytest.approx(0.6)
    between = (0.6 * (2 / 3 - 0.6) ** 2 + 0.4 * 0.1**2) / 10
    assert r.ppi.se**2 == pytest.approx(0.36 * (1 / 3 + 1 / 9) + 0.16 * 0.25 + between)
    assert r.human.value == pytest.approx(0.8)
    assert r.human.se**2 == pytest.approx(0.36 / 9 + (0.6 * (2 / 3 - 0.8) ** 2 + 0.4 * 0.2**2) / 10)
    assert r.judge.value == pytest.approx(0.7)
    assert r.notes == ("b|verdict: all 2 labels equal (1); its variance is taken as 0, so the intervals "
                       "leave out that stratum's uncertainty",)  # fmt: skip
    assert r.ppi.ci_high - r.ppi.value == pytest.approx(1.959963984540054 * r.ppi.se)


def test_unscored_items_are_their_own_strata_and_stay_in_the_estimand():
    human = [1, 0, None, None, 1, 0, None, 1, 0, None]
    judge = [1, 1, 1, 0, 1, 0, 1, np.nan, np.nan, np.nan]
    r = ppi_mean(human, judge)
    keys = {p.key: p for p in r.strata}
    assert set(keys) == {"0|verdict", "0|no verdict"}
    assert keys["0|no verdict"].weight == pytest.approx(0.3)
    assert keys["0|no verdict"].ppi_value == keys["0|no verdict"].human_value == 0.5
    assert r.judge.n_total == 7 and r.judge.value == pytest.approx(5 / 7)


def test_small_strata_are_pooled_with_design_weights():
    rng = np.random.default_rng(8)
    big = 100
    human = list(rng.binomial(1, 0.5, 10).astype(float)) + [None] * (big - 10)
    judge = list(rng.binomial(1, 0.5, big).astype(float))
    strata = ["big"] * big
    # x: 4 items, 1 label (Y=1); y: 6 items, 1 label (Y=0); z: 5 items, none
    human += [1, None, None, None] + [0] + [None] * 5 + [None] * 5
    judge += [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1]  # x, y, z
    strata += ["x"] * 4 + ["y"] * 6 + ["z"] * 5
    r = ppi_mean(human, judge, strata, lam=0.0)
    pool = next(p for p in r.strata if p.pooled)
    assert set(pool.pooled) == {"x|verdict", "y|verdict", "z|verdict"}
    assert pool.n_total == 15 and pool.n_labeled == 2
    assert pool.human_value == pytest.approx((4 * 1 + 6 * 0) / 10)  # weights N_h / n_h
    assert sum(p.weight for p in r.strata) == pytest.approx(1.0)  # no mass dropped
    assert r.notes and "pooled" in r.notes[0]
    tuned = ppi_mean(human, judge, strata)
    assert sum(p.weight for p in tuned.strata) == pytest.approx(1.0)


def test_by_slice_reports_supported_slices_and_says_why_others_are_skipped():
    y, f, lab = _run(9)
    slices = np.where(np.arange(y.size) < 500, "big", "tiny")
    h = np.where(lab, y, np.nan)
    h[500:] = np.nan
    h[500] = 1.0
    out = ppi_by_slice(h, f, slices, slices)
    assert set(out.results) == {"big"} and "at least 2" in out.skipped["tiny"]
    assert out.results["big"].ppi == ppi_mean(h[:500], f[:500], slices[:500]).ppi


@pytest.mark.parametrize(
    ("human", "judge", "strata", "message"),
    [
        ([None, None, None], [1, 0, 1], None, "at least 2 human labels"),
        ([1, None, None], [1, 0, 1], None, "at least 2 human labels"),
        ([1, 0, None], [1, 0], None, "one value per item"),
        ([1, 0, None], [None, None, None], None, "no item has a judge verdict"),
        ([1, 1, None, 1], [1, 1, 1, 1], None, "constant"),
        ([1, 0, None], [1, 0, 1], ["a", "b"], "label every item"),
        ([1, 0, math.inf], [1, 0, 1], None, "finite"),
        (["x", 0, 1], [1, 0, 1], None, "numeric"),
    ],
)
def test_degenerate_input_is_refused(human, judge, strata, message):
    with pytest.raises(DegenerateInputError, match=message):
        ppi_mean(human, judge, strata)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="lam"):
        ppi_mean([1, 0, None], [1, 0, 1], lam=1.5)
    with pytest.raises(ValueError, match="target_width"):
        labels_for_width(ppi_mean([1, 0, None], [1, 0, 1]), 0.0)


# --- the label budget -------------------------------------------------------------------------------


def test_projected_width_starts_at_the_current_width_and_shrinks():
    y, f, lab = _run(10, continuous=True)
    r = ppi_mean(np.where(lab, y, np.nan), f)
    widths = projected_width(r, np.arange(0, 400, 50))
    assert widths[0] == pytest.approx(r.ppi.width, rel=1e-12)
    assert np.all(np.diff(widths) < 0)
    assert projected_width(r, 0, Estimator.HUMAN)[0] == pytest.approx(r.human.width, rel=1e-12)


def test_labels_for_width():
    y, f, lab = _run(11, continuous=True)
    r = ppi_mean(np.where(lab, y, np.nan), f)
    assert labels_for_width(r, r.ppi.width) == 0
    m = labels_for_width(r, 0.8 * r.ppi.width)
    assert m is not None and m > 0
    assert projected_width(r, m)[0] <= 0.8 * r.ppi.width < projected_width(r, m - 1)[0]
    assert labels_for_width(r, 1e-4) is None  # labeling everything leaves the super-population spread
    human_m = labels_for_width(r, 0.8 * r.ppi.width, Estimator.HUMAN)
    assert human_m is not None and human_m > m  # the judge saves labels
    with pytest.raises(ValueError, match="judge"):
        labels_for_width(r, 0.1, Estimator.JUDGE)


def test_allocate_is_proportional_and_capped():
    strata = np.repeat(["a", "b"], [90, 10])
    human = np.full(100, np.nan)
    human[[0, 1, 2, 90, 91]] = [1, 0, 1, 0, 1]
    r = ppi_mean(human, np.tile([1.0, 0.0], 50), strata)
    assert allocate(r, 20) == {"a|verdict": 18, "b|verdict": 2}
    assert allocate(r, 1000) == {"a|verdict": 87, "b|verdict": 8}


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.strata == "slice"], ids=lambda s: s.kind)
def test_the_labels_asked_for_reach_the_target_width_in_simulation(scenario):
    check = budget_check(scenario, shrink=0.7, reps=100, seed=3)
    assert 0.9 <= check.mean_ratio <= 1.1
    assert check.mean_extra > 0


def test_labels_for_decision():
    assert labels_for_decision(0.9, 0.82, 100, 0.84) == 78  # n' > 100 * 0.08^2 / 0.06^2 = 177.8
    # at the answer the projected bound clears the bar; one fewer does not
    h = 0.08
    assert 0.9 - h * math.sqrt(100 / 178) > 0.84 >= 0.9 - h * math.sqrt(100 / 177)
    assert labels_for_decision(0.9, 0.86, 100, 0.84) == 0
    assert labels_for_decision(0.84, 0.80, 100, 0.84) is None
    assert labels_for_decision(0.70, 0.60, 100, 0.84) is None
    with pytest.raises(ValueError):
        labels_for_decision(0.9, 0.95, 100, 0.84)


# --- coverage by simulation -------------------------------------------------------------------------


@pytest.mark.slow  # about 10 s a scenario
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s.kind}-{s.strata}")
def test_coverage_with_a_biased_judge(scenario):
    rows = {r.estimator: r for r in coverage_rows(scenario, reps=2000, seed=0)}
    ppi, human, judge = rows["ppi (crossfit)"], rows["human"], rows["judge"]
    assert ppi.coverage >= 0.93
    assert human.coverage >= 0.93
    assert judge.coverage < 0.2  # the raw judge's interval is around the wrong number
    if scenario.strata == "slice":
        assert ppi.mean_width < 0.95 * human.mean_width
    else:
        assert ppi.mean_width == pytest.approx(human.mean_width, rel=1e-12)


def test_tunings():
    rng = np.random.default_rng(12)
    strata = np.repeat([0, 1], [400, 200])
    y = rng.normal(np.array([3.0, 2.0])[strata], 1.0)
    f = np.where(strata == 0, y + rng.normal(0, 0.3, 600), 0.2 * y + rng.normal(0, 1.0, 600))
    lab = np.zeros(600, bool)
    lab[rng.choice(400, 40, replace=False)] = True
    lab[400 + rng.choice(200, 40, replace=False)] = True
    h = np.where(lab, y, np.nan)
    per = ppi_mean(h, f, strata, tuning=Tuning.STRATUM)
    # a stratum's own lam is the one PPI++ gives that stratum alone
    for part, m in zip(per.strata, [strata == 0, strata == 1], strict=True):
        alone = ppi_mean(h[m], f[m], tuning=Tuning.OVERALL).strata[0]
        assert part.lam == pytest.approx(alone.lam, rel=1e-12)
    assert per.strata[0].lam > 0.8 > 0.3 > per.strata[1].lam  # the good judge stratum leans on it
    overall = ppi_mean(h, f, strata, tuning=Tuning.OVERALL)
    assert len({p.lam for p in overall.strata}) == 1
    cross = ppi_mean(h, f, strata)  # the default
    assert cross == ppi_mean(h, f, strata, seed=0, tuning=Tuning.CROSSFIT)
    assert cross.ppi.value != ppi_mean(h, f, strata, seed=1).ppi.value
    assert 0 < cross.strata[0].lam < 1
