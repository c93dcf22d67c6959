"""Grouped meta-evaluation intervals: documents / systems resampled, checked against a plain
reference loop (scipy per document, the same random draws) and on SummEval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from genjudge.stats import (
    DegenerateInputError,
    summary_level_correlation,
    summary_level_interval,
    system_level_correlation,
    system_level_interval,
)


def _grid(seed: int = 0, docs: int = 30, systems: int = 8):
    rng = np.random.default_rng(seed)
    quality = rng.normal(size=systems)
    doc = np.repeat(np.arange(docs), systems)
    sys_ = np.tile(np.arange(systems), docs)
    human = quality[sys_] + rng.normal(0, 1, doc.size) + rng.normal(0, 1, docs)[doc]
    metric = human + rng.normal(0, 1.2, doc.size)
    return metric, human, doc, sys_


def test_summary_level_interval_equals_a_reference_loop_over_documents():
    metric, human, doc, _ = _grid()
    got = summary_level_interval(metric, human, documents=doc, method="kendall", resamples=500, rng=3)
    # Reference: Kendall tau-b per document with scipy, then documents drawn with replacement.
    per_doc = np.array(
        [scipy.stats.kendalltau(metric[doc == d], human[doc == d]).statistic for d in range(30)]
    )
    gen = np.random.default_rng(3)
    draws = [per_doc[gen.integers(0, 30, size=30)].mean() for _ in range(500)]
    lo, hi = np.quantile(draws, [0.025, 0.975])
    assert got.value == pytest.approx(per_doc.mean(), abs=1e-12)
    assert (got.ci_low, got.ci_high) == pytest.approx((lo, hi), abs=1e-12)
    assert got.method == "percentile_documents" and got.n_groups == 30
    assert got.ci_low <= got.value <= got.ci_high


def test_system_level_interval_equals_a_reference_loop_over_systems():
    metric, human, _, sys_ = _grid(1)
    got = system_level_interval(metric, human, systems=sys_, method="kendall", resamples=300, rng=4)
    ma = np.array([metric[sys_ == s].mean() for s in range(8)])
    mb = np.array([human[sys_ == s].mean() for s in range(8)])
    gen = np.random.default_rng(4)
    draws = []
    for _ in range(300):
        i = gen.integers(0, 8, size=8)
        x, y = ma[i], mb[i]
        draws.append(np.nan if np.ptp(x) == 0 or np.ptp(y) == 0 else scipy.stats.kendalltau(x, y).statistic)
    draws = np.array(draws)
    assert got.undefined == int(np.isnan(draws).sum())
    lo, hi = np.quantile(draws[~np.isnan(draws)], [0.025, 0.975])
    assert got.value == pytest.approx(scipy.stats.kendalltau(ma, mb).statistic, abs=1e-12)
    assert (got.ci_low, got.ci_high) == pytest.approx((lo, hi), abs=1e-12)


def test_documents_1_and_string_1_are_two_documents():
    metric = [1, 2, 3, 3, 2, 1]
    human = [1, 2, 3, 1, 2, 3]
    # As strings both would be "1": one document of six summaries.
    mixed = summary_level_correlation(metric, human, documents=[1, 1, 1, "1", "1", "1"])
    assert (mixed.n_groups, mixed.value) == (2, pytest.approx(0.0))
    sys_res = system_level_correlation([1, 2, 3, 1, 3, 4], human, systems=[1, 2, 3, "1", 2, 3])
    assert sys_res.n_groups == 4


def test_summeval_grouped_intervals_contain_their_point(shared_data):
    rows = pd.read_json(shared_data / "summeval" / "summeval_per_annotator_1200.jsonl", lines=True)
    expert = np.array([[a["consistency"] for a in r] for r in rows["expert_annotations"]], float).mean(1)
    turker = np.array([[a["consistency"] for a in r] for r in rows["turker_annotations"]], float).mean(1)
    docs, systems = rows["doc_id"].to_numpy(object), rows["system_id"].to_numpy(object)
    s = summary_level_interval(turker, expert, documents=docs, method="kendall", rng=0)
    y = system_level_interval(turker, expert, systems=systems, method="kendall", rng=0)
    assert s.n_groups + summary_level_correlation(turker, expert, documents=docs).n_groups_skipped == 100
    assert y.n_groups == 12
    for r in (s, y):
        assert r.ci_low <= r.value <= r.ci_high, r


def test_grouped_intervals_refuse_undefined_input():
    with pytest.raises(DegenerateInputError, match="every document"):
        summary_level_interval([1, 1, 2, 2], [1, 2, 3, 4], documents=["a", "a", "b", "b"], rng=0)
    with pytest.raises(DegenerateInputError, match="at least 2 systems"):
        system_level_interval([1, 2], [1, 2], systems=["a", "a"], rng=0)
