"""Published values and cross-checks against scipy, scikit-learn and the krippendorff package."""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pandas as pd
import pytest
import scipy.stats
from sklearn.metrics import cohen_kappa_score
from sklearn.metrics import confusion_matrix as sk_confusion

from genjudge.stats import (
    binary_rates,
    cohen_kappa,
    confusion_matrix,
    fleiss_kappa,
    item_level_correlation,
    kendall_tau_b,
    krippendorff_alpha,
    pearson,
    spearman,
    summary_level_correlation,
    system_level_correlation,
)
from genjudge.stats.agreement import _pairwise_alpha

LEVELS = ("nominal", "ordinal", "interval", "ratio")


_ = None  # a missing rating
VECTORS = {
    # Rows = coders, columns = units. Carried inline so these tests never skip; the same cases as
    # ../shared/data/krippendorff_vectors/vectors.json (test_inline_vectors_match_the_shared_file).
    # "expected": the published value; "verified_here": recomputed to 4 places (krippendorff 0.9.0).
    "wikipedia_3coders_15units": {  # Wikipedia "Krippendorff's alpha" example
        "data": [
            [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
            [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
            [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
        ],
        "expected": {"nominal": 0.691358, "interval": 0.810845},
        "verified_here": {"nominal": 0.6914, "ordinal": 0.8067, "interval": 0.8108, "ratio": 0.8089},
    },
    "krippendorff2011_C_4observers_12units_missing": {  # Krippendorff (2011), example C
        "data": [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
            [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
        ],
        "expected": {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797},
        "verified_here": {"nominal": 0.7434, "ordinal": 0.8154, "interval": 0.8491, "ratio": 0.7974},
    },
    "krippendorff2011_A_binary_2observers_10units": {  # Krippendorff (2011), example A
        "data": [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]],
        "expected": {"nominal": 0.095},
        "verified_here": {"nominal": 0.0952},
    },
    "krippendorff2011_B_nominal_2observers_12units": {  # Krippendorff (2011), example B (a..e as 1..5)
        "data": [[1, 1, 2, 2, 4, 3, 3, 3, 5, 4, 4, 1], [2, 1, 2, 2, 2, 3, 3, 3, 5, 4, 4, 4]],
        "expected": {"nominal": 0.692},
        "verified_here": {"nominal": 0.692},
    },
}


def test_inline_vectors_match_the_shared_file(shared_data):
    data = json.loads((shared_data / "krippendorff_vectors" / "vectors.json").read_text())
    shared = {k: v for k, v in data.items() if not k.startswith("_")}
    assert {k: {f: v[f] for f in ("data", "expected", "verified_here")} for k, v in shared.items()} == VECTORS


def test_krippendorff_published_values_every_level():
    checked = 0
    for name, case in VECTORS.items():
        for level in LEVELS:
            got = krippendorff_alpha(case["data"], level=level).value
            if level in case["expected"]:  # published to 3 (Krippendorff 2011) or 6 (Wikipedia) decimals
                places = len(str(case["expected"][level]).split(".")[1])
                assert round(got, places) == pytest.approx(case["expected"][level], abs=10**-places / 2), (
                    name,
                    level,
                )
                checked += 1
            if level in case.get("verified_here", {}):
                assert round(got, 4) == pytest.approx(case["verified_here"][level], abs=5e-5), (name, level)
    # 2 Wikipedia + 4 Krippendorff C + A + B
    assert checked == 8


def test_krippendorff_counts_pairable_units_and_values():
    case = VECTORS["krippendorff2011_C_4observers_12units_missing"]
    res = krippendorff_alpha(case["data"], level="nominal")
    # unit 12 has one rating (not pairable); the 11 others hold 3+4+4+4+4+4+4+4+4+3+2 = 40 values
    assert (res.n_units, res.n_values) == (11, 40)


def test_pairwise_interval_and_ratio_match_the_package():
    rng = np.random.default_rng(3)
    data = rng.integers(1, 8, size=(4, 60)).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan
    present = ~np.isnan(data)
    keep = present.sum(axis=0) >= 2
    d, p = data[:, keep], present[:, keep]
    for level in ("interval", "ratio"):
        want = krippendorff.alpha(reliability_data=d, level_of_measurement=level)
        assert _pairwise_alpha(d, p, p.sum(axis=0), level) == pytest.approx(want, abs=1e-12)


def test_continuous_interval_alpha_uses_the_pairwise_formula():
    # Means of ratings have thousands of distinct values: the package's tensor would not fit.
    rng = np.random.default_rng(0)
    truth = rng.normal(size=3000)
    data = np.vstack([truth + rng.normal(scale=0.5, size=3000), truth + rng.normal(scale=0.5, size=3000)])
    res = krippendorff_alpha(data, level="interval")
    # Two coders with equal noise: alpha ~ var(truth) / (var(truth) + var(noise)) = 1 / 1.25 = 0.8
    assert res.value == pytest.approx(0.8, abs=0.03)


def test_pandalm_annotators_pairwise_cohen_kappa_as_published(shared_data):
    frame = pd.read_json(shared_data / "pandalm" / "pandalm_testset_pairs.jsonl", lines=True)
    got = {
        pair: cohen_kappa(frame[f"annotator{pair[0]}"], frame[f"annotator{pair[1]}"]).value
        for pair in ((1, 2), (1, 3), (2, 3))
    }
    # Wang et al. 2023 (PandaLM), table 1: 0.85, 0.88, 0.86
    assert {k: round(v, 2) for k, v in got.items()} == {(1, 2): 0.85, (1, 3): 0.88, (2, 3): 0.86}
    assert frame["majority_label"].value_counts().to_dict() == {2: 472, 1: 422, 0: 105}


def test_fleiss_kappa_wikipedia_example():
    # Fleiss (1971) worked example as on Wikipedia: 10 subjects, 14 raters, 5 categories: kappa = 0.210
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    assert round(fleiss_kappa(counts, from_counts=True).value, 3) == 0.210


def test_fleiss_kappa_from_labels_equals_from_counts():
    labels = np.array([[1, 1, 2], [2, 2, 2], [1, 3, 3], [3, 3, 3], [1, 2, 3]])
    counts = np.stack([(labels == c).sum(axis=1) for c in (1, 2, 3)], axis=1)
    assert fleiss_kappa(labels).value == pytest.approx(fleiss_kappa(counts, from_counts=True).value)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn(weights):
    rng = np.random.default_rng(7)
    a = rng.integers(1, 6, size=200)
    b = np.clip(a + rng.integers(-1, 2, size=200), 1, 5)
    scale = [1, 2, 3, 4, 5]
    assert cohen_kappa(a, b, weights=weights, labels=scale).value == pytest.approx(
        cohen_kappa_score(a, b, weights=weights, labels=scale), abs=1e-12
    )


def test_correlations_match_scipy():
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, size=80).astype(float)
    y = x + rng.normal(size=80)
    assert pearson(x, y).value == pytest.approx(scipy.stats.pearsonr(x, y).statistic)
    assert spearman(x, y).value == pytest.approx(scipy.stats.spearmanr(x, y).statistic)
    assert kendall_tau_b(x, y).value == pytest.approx(scipy.stats.kendalltau(x, y, variant="b").statistic)
    # tau-b with ties, by hand: x = [1,1,2], y = [1,2,2]: pairs (1,2) tied in x only, (1,3)
    # concordant, (2,3) tied in y only: P = 1, Q = 0, T_x = 1, T_y = 1
    # tau_b = (1 - 0) / sqrt((1 + 0 + 1)(1 + 0 + 1)) = 1 / 2
    assert kendall_tau_b([1, 1, 2], [1, 2, 2]).value == pytest.approx(0.5)


def test_confusion_matrix_and_rates_match_sklearn():
    t = [0, 1, 1, 0, 1, 1, 0, 0, 1]
    p = [0, 1, 0, 0, 1, 1, 1, 0, 1]
    cm = confusion_matrix(t, p)
    assert np.array_equal(cm.as_array(), sk_confusion(t, p))
    r = binary_rates(t, p, positive=1)
    assert (r.tp, r.fn, r.tn, r.fp) == (4, 1, 3, 1)
    assert (r.tpr, r.tnr) == (0.8, 0.75)
    assert binary_rates([0, 0], [0, 1]).tpr is None  # no positives: undefined, not 0


def test_meta_evaluation_granularities():
    # 2 documents x 3 systems. Doc a: metric ranks systems as humans do (rho 1);
    # doc b: reversed (rho -1): summary level = mean(1, -1) = 0.
    metric = [1, 2, 3, 3, 2, 1]
    human = [1, 2, 3, 1, 2, 3]
    docs = ["a", "a", "a", "b", "b", "b"]
    systems = ["s1", "s2", "s3", "s1", "s2", "s3"]
    assert summary_level_correlation(metric, human, documents=docs).value == pytest.approx(0.0)
    # System means: metric s1 2, s2 2, s3 2 -> constant: system level undefined
    with pytest.raises(ValueError, match="constant"):
        system_level_correlation(metric, human, systems=systems)
    sys_res = system_level_correlation([1, 2, 3, 1, 3, 4], human, systems=systems, method="pearson")
    # means metric (1, 2.5, 3.5), human (1, 2, 3): pearson by scipy
    assert sys_res.value == pytest.approx(scipy.stats.pearsonr([1, 2.5, 3.5], [1, 2, 3]).statistic)
    assert sys_res.n_groups == 3
    assert item_level_correlation(metric, human).value == pytest.approx(
        scipy.stats.spearmanr(metric, human).statistic
    )
    # A constant document is skipped and counted, not averaged in as 0
    res = summary_level_correlation([1, 2, 3, 5, 5, 5], human, documents=docs)
    assert (res.value, res.n_groups, res.n_groups_skipped) == (pytest.approx(1.0), 1, 1)


def test_artstein_poesio_kappa_348():
    # Artstein & Poesio (2008), "Inter-coder agreement for computational linguistics", section 2:
    # two coders label 100 utterances Statement / Info-request. Coder A: 30 Stat, 70 IReq; coder B:
    # 40 Stat, 60 IReq; they agree on 20 Stat and 50 IReq. A_o = .7, A_e = .3 x .4 + .7 x .6 = .54,
    # kappa = (.7 - .54) / (1 - .54) = .348 as published. The table is inline, so this never skips.
    cells = {("Stat", "Stat"): 20, ("Stat", "IReq"): 10, ("IReq", "Stat"): 20, ("IReq", "IReq"): 50}
    a = [x for (x, _), k in cells.items() for _ in range(k)]
    b = [y for (_, y), k in cells.items() for _ in range(k)]
    got = cohen_kappa(a, b).value
    assert round(got, 3) == 0.348
    assert got == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
