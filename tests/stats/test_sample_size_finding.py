"""The report names the slices too small for the question asked, with the items they would need."""

from __future__ import annotations

import pandas as pd

from genjudge.aggregate import Settings, aggregate
from genjudge.aggregate_clusters import clustered_aggregate
from genjudge.checks.base import MeanMetric
from genjudge.config import FindingThresholds
from genjudge.findings import findings
from genjudge.records import Family
from genjudge.stats import cluster_codes, items_for_half_width


def _table() -> pd.DataFrame:
    # Slice "big": 2,000 items at 0.95; slice "mid": 120 items at 0.90 (above the minimum support of
    # 30, still too small for +-0.05); slice "near1": 60 items all agreeing.
    rows = (
        [("big", 1.0)] * 1900
        + [("big", 0.0)] * 100
        + [("mid", 1.0)] * 108
        + [("mid", 0.0)] * 12
        + [("near1", 1.0)] * 60
    )
    return pd.DataFrame(rows, columns=["part", "agree"])


def test_sample_size_finding_names_slices_too_small_for_the_gap():
    metrics = aggregate(
        _table(),
        [MeanMetric("agreement_rate", Family.FIDELITY, "student_vs_teacher", "agree")],
        ["part"],
        Settings(),
    )
    mid = next(m for m in metrics if m.slice_value == "mid")
    assert not mid.too_small  # over 30 items: the old flag says nothing
    found = [f for f in findings(metrics, FindingThresholds(material_gap=0.05)) if f.code == "sample_size"]
    assert len(found) == 1
    text = found[0].message
    assert "part=mid (n=120" in text and f"needs about {items_for_half_width(0.9, 0.05):,} items" in text
    assert "part=big" not in text and "part=near1" not in text  # +-0.05 is already reached there
    # A looser question needs fewer items: nothing to say at +-0.07.
    assert not [f for f in findings(metrics, FindingThresholds(material_gap=0.07)) if f.code == "sample_size"]


def test_sample_size_finding_scales_by_the_design_effect():
    table = _table()
    spec = [MeanMetric("agreement_rate", Family.FIDELITY, "student_vs_teacher", "agree")]
    plain = aggregate(table, spec, ["part"], Settings())
    # Items of "mid" in pairs that share their outcome: twice the variance, about twice the items.
    clusters = cluster_codes([i // 2 if p == "mid" else f"s{i}" for i, p in enumerate(table["part"])])
    clustered = clustered_aggregate(table, spec, ["part"], Settings(), clusters=clusters)

    def needed(metrics) -> int:
        msg = next(f for f in findings(metrics, FindingThresholds()) if f.code == "sample_size").message
        return int(msg.split("part=mid")[1].split("needs about ")[1].split(" ")[0].replace(",", ""))

    assert 1.6 * needed(plain) < needed(clustered) < 2.4 * needed(plain)
