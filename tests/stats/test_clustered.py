"""Aggregation with a cluster column: the unit of resampling is the cluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from genjudge.aggregate import Settings, aggregate
from genjudge.aggregate_clusters import clustered_aggregate
from genjudge.checks.base import ConfusionMetrics, MeanMetric
from genjudge.records import Family
from genjudge.stats import cluster_codes, design_effect

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tickets"


def clustered_table(clusters: int = 60, size: int = 10, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = np.clip(rng.beta(8, 2, clusters), 0, 1)  # each document has its own rate
    doc = np.repeat(np.arange(clusters), size)
    agree = (rng.random(doc.size) < p[doc]).astype(float)
    score = rng.gamma(2.0, 0.5, clusters)[doc] + rng.gamma(2.0, 0.1, doc.size)
    truth = rng.choice(["a", "b", "c"], doc.size)
    pred = np.where(agree == 1, truth, rng.choice(["a", "b", "c"], doc.size))
    return pd.DataFrame(
        {
            "doc": doc,
            "agree": agree,
            "score": score,
            "truth": truth.astype(object),
            "pred": pred.astype(object),
        }
    )


def test_design_effect_by_hand():
    # Two clusters of 2: (2 of 2) and (0 of 2): p = 1/2, between-cluster variance
    # c/(c-1) * sum((k - p m)^2) / n^2 = 2 * (1 + 1) / 16 = 1/4; binomial 1/4 / 4 = 1/16: deff 4.
    assert design_effect(np.array([2.0, 0.0]), np.array([2.0, 2.0])) == pytest.approx(4.0)
    assert design_effect(np.array([2.0, 2.0]), np.array([2.0, 2.0])) == 1.0  # p = 1: nothing to inflate


def test_clustered_intervals_are_wider_and_recorded():
    table = clustered_table()
    specs = [
        MeanMetric("agreement_rate", Family.FIDELITY, "s", "agree"),
        MeanMetric("score", Family.QUALITY, "s", "score"),
        ConfusionMetrics(Family.QUALITY, "s", "truth", "pred", with_accuracy=True),
    ]
    items = {(m.metric, m.label): m for m in aggregate(table, specs, [], Settings())}
    clus = {
        (m.metric, m.label): m
        for m in clustered_aggregate(table, specs, [], Settings(), clusters=cluster_codes(table["doc"]))
    }
    assert clus[("agreement_rate", None)].ci_method == "jeffreys_clustered"
    assert clus[("score", None)].ci_method == "bca_clustered"
    assert clus[("macro_f1_score", None)].ci_method == "percentile_clustered"
    assert clus[("accuracy_score", None)].ci_method == "jeffreys_clustered"
    for key in (("agreement_rate", None), ("score", None), ("accuracy_score", None)):
        a, b = items[key], clus[key]
        assert a.value == pytest.approx(b.value)
        assert b.ci_low <= b.value <= b.ci_high
        # Documents share their rate / level: resampling items understates the uncertainty.
        assert (b.ci_high - b.ci_low) > 1.15 * (a.ci_high - a.ci_low), key


def test_singleton_clusters_agree_with_item_resampling():
    table = clustered_table(clusters=400, size=1, seed=2)
    spec = [MeanMetric("score", Family.QUALITY, "s", "score")]
    a = aggregate(table, spec, [], Settings(resamples=4000))[0]
    b = clustered_aggregate(table, spec, [], Settings(resamples=4000), clusters=np.arange(len(table)))[0]
    assert (b.ci_low, b.ci_high) == pytest.approx((a.ci_low, a.ci_high), abs=0.03)


def test_few_clusters_are_flagged_too_small():
    table = clustered_table(clusters=6, size=50)
    m = clustered_aggregate(
        table,
        [MeanMetric("score", Family.QUALITY, "s", "score")],
        [],
        Settings(),
        clusters=table["doc"].to_numpy(),
    )[0]
    assert m.n == 300 and m.too_small


def test_run_config_names_a_cluster_column(tmp_path):
    from genjudge.cli import app

    folder = tmp_path / "tickets"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("reports", ".genjudge"))
    config = yaml.safe_load((folder / "genjudge.yaml").read_text())
    config["cluster"] = "channel"
    (folder / "c.yaml").write_text(yaml.safe_dump(config))
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["run", str(folder / "c.yaml"), "--store", str(tmp_path / "s.db"), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    assert report["settings"]["cluster"] == "channel"
    overall = {m["metric"]: m for m in report["metrics"] if m["slice_column"] is None and m["label"] is None}
    assert overall["agreement_rate"]["ci_method"] == "jeffreys_clustered"
    assert overall["macro_f1_score"]["ci_method"] == "percentile_clustered"
    config["cluster"] = "no_such_column"
    (folder / "bad.yaml").write_text(yaml.safe_dump(config))
    res = CliRunner().invoke(app, ["run", str(folder / "bad.yaml"), "--store", str(tmp_path / "s.db")])
    assert res.exit_code != 0 and "no_such_column" in res.output
