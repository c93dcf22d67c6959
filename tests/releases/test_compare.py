"""`genjudge compare`: paired differences, McNemar, Holm, the flipped items, and the refusals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wilcoxon
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from typer.testing import CliRunner

import genjudge
from genjudge.cli import app
from genjudge.comparison.runs import StoredRun
from genjudge.comparison.table import compare_table
from tests.records import stub_record


def _row(c, metric, subject, column=None, value=None):
    return next(
        r
        for r in c.rows
        if (r.metric, r.subject, r.slice_column, r.slice_value) == (metric, subject, column, value)
    )


def test_paired_table_matches_the_per_item_columns_and_statsmodels(releases):
    c = genjudge.compare(releases.v1.run_id, releases.v2.run_id, store=releases.store)
    a = releases.v1.examples.set_index("id")["exact_match.agree"]
    b = releases.v2.examples.set_index("id")["exact_match.agree"]
    both = a.notna() & b.notna()
    row = _row(c, "agreement_rate", "student_vs_teacher")
    assert row.n == int(both.sum()) == 399
    assert (row.a, row.b) == (pytest.approx(a[both].mean()), pytest.approx(b[both].mean()))
    lost = int(((a == 1) & (b == 0))[both].sum())
    gained = int(((a == 0) & (b == 1))[both].sum())
    assert (row.lost, row.gained) == (lost, gained) and lost > 0 and gained > 0
    table = [[int(((a == 1) & (b == 1))[both].sum()), lost], [gained, int(((a == 0) & (b == 0))[both].sum())]]
    assert row.p_value == pytest.approx(mcnemar(table, exact=True).pvalue)
    assert row.ci_low < row.diff < row.ci_high and row.interval == "newcombe"
    # Holm across every test of the table, as statsmodels computes it.
    tested = [r for r in c.rows if r.p_value is not None]
    expected = multipletests([r.p_value for r in tested], alpha=0.05, method="holm")[1]
    assert [r.p_adjusted for r in tested] == pytest.approx(list(expected))
    assert (
        c.tests == len(tested) == 20
    )  # 2 metrics x (all + 3 channels + 2 difficulties + 2 critical + 2 rare)
    # The teacher's outputs are the same in both runs: its numbers cannot change and are left out.
    assert {r.subject for r in c.rows} == {"student_vs_teacher", "student"}


def test_the_regression_on_the_critical_slice_is_found_and_its_items_listed(releases):
    c = genjudge.compare(latest_n=2, store=releases.store)
    assert (c.a.run_id, c.b.run_id) == (releases.v1.run_id, releases.v2.run_id)
    critical = _row(c, "agreement_rate", "student_vs_teacher", "business_critical", "yes")
    assert critical.critical and critical.significant and critical.ci_high < 0
    whole = _row(c, "agreement_rate", "student_vs_teacher")
    assert not whole.significant  # on all items the change is within noise
    flips = c.flips["student_vs_teacher.agreement_rate"]
    ex1, ex2 = (r.examples.set_index("id") for r in (releases.v1, releases.v2))
    lost = {f.item_id for f in flips if f.direction == "lost"}
    expected = set(ex1.index[(ex1["exact_match.agree"] == 1) & (ex2["exact_match.agree"] == 0)])
    assert lost == expected
    f = next(f for f in flips if f.direction == "lost")
    assert f.input == ex2.loc[f.item_id, "input"] and f.b_output == ex2.loc[f.item_id, "student"]
    assert f.a_output == ex1.loc[f.item_id, "student"] and f.teacher == ex1.loc[f.item_id, "teacher"]
    assert (f.a_verdict, f.b_verdict) == ("1", "0") and "business_critical" in f.slices


def test_cli_writes_markdown_json_and_html(releases, tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        app,
        [
            "compare",
            releases.v1.run_id,
            releases.v2.run_id,
            "--store",
            releases.store,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    md = (out / "compare.md").read_text(encoding="utf-8")
    assert md.startswith("# Comparison: tickets-student-v1") and "Holm (family-wise error)" in md
    assert "| agreement_rate | student_vs_teacher | business_critical=yes | 58 |" in md and "worse" in md
    data = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert data["adjustment"] == "holm" and len(data["rows"]) == 20
    assert data["flips"]["student_vs_teacher.agreement_rate"][0]["direction"] == "lost"
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert "<ins>" in html or "<del>" in html or "Worse under B" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched


def test_refused_on_different_sets_saying_what_differs(releases, tmp_path):
    folder = tmp_path / "other"
    folder.mkdir()
    rows = [json.loads(line) for line in (releases.folder / "set.jsonl").read_text().splitlines()][:200]
    (folder / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for side in ("teacher", "student"):
        lines = (releases.folder / f"{side}.jsonl").read_text().splitlines()[:199]
        (folder / f"{side}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    genjudge.freeze(folder / "set.jsonl", ["channel", "difficulty", "business_critical"])
    config = {
        "task": "classification",
        "set": str(folder / "set.jsonl"),
        "teacher": str(folder / "teacher.jsonl"),
        "student": str(folder / "student.jsonl"),
        "bootstrap": {"resamples": 100},
    }
    other = genjudge.evaluate(config, store=releases.store, write_report=False)
    result = CliRunner().invoke(app, ["compare", releases.v1.run_id, other.run_id, "--store", releases.store])
    assert result.exit_code == 2
    assert "different evaluation sets" in result.output and "400 vs 200 rows" in result.output
    assert "Traceback" not in result.output
    usage = CliRunner().invoke(app, ["compare", releases.v1.run_id, "--store", releases.store])
    assert usage.exit_code == 2 and "two run ids" in usage.output


def _stored(run_id: str, scores: np.ndarray, slices: list[str]) -> StoredRun:
    record = stub_record(run_id, set_fingerprint="f" * 64)
    table = pd.DataFrame(
        {"id": [f"i{i}" for i in range(len(scores))], "s.score": scores, "s.status": "ok", "part": slices}
    )
    report = {
        "settings": {"bootstrap": {"confidence": 0.95}, "min_support": 10, "critical": {}},
        "set": {"slices": ["part"], "path": "set.jsonl", "rows": len(scores)},
        "item_columns": [
            {
                "metric": "quality_score",
                "subject": "student",
                "family": "quality",
                "column": "s.score",
                "status_column": "s.status",
            }
        ],
    }
    return StoredRun(record, report, table)


def test_continuous_scores_use_the_bootstrap_and_wilcoxon():
    rng = np.random.default_rng(3)
    before = rng.uniform(1, 5, 300)
    after = before + rng.normal(0.3, 0.5, 300)
    parts = ["x" if i % 2 else "y" for i in range(300)]
    rows = compare_table(_stored("a", before, parts), _stored("b", after, parts), resamples=1000)
    whole = rows[0]
    assert whole.slice_column is None and whole.interval == "bca" and whole.test == "wilcoxon"
    assert whole.diff == pytest.approx((after - before).mean())
    assert whole.ci_low < whole.diff < whole.ci_high and whole.ci_low > 0.2
    assert whole.p_value == pytest.approx(wilcoxon(after, before, zero_method="pratt").pvalue)
    assert whole.significant and whole.lost is None
    # BH instead of Holm: the same raw p-values, the FDR adjustment.
    bh = compare_table(_stored("a", before, parts), _stored("b", after, parts), adjust="bh", resamples=200)
    expected = multipletests([r.p_value for r in bh], method="fdr_bh")[1]
    assert [r.p_adjusted for r in bh] == pytest.approx(list(expected))


def test_a_small_slice_with_zeros_and_ties():
    # Pytest turns warnings into errors here: a small slice with zero differences and ties is tested
    # (scipy picks its method) without one, and its p-value is scipy's.
    from genjudge.comparison.table import _row

    after, before = np.array([1.0, 2, 2, 3, 3, 3, 5]), np.array([1.0, 1, 2, 2, 3, 4, 2])
    row = _row(after, before, confidence=0.95, resamples=200, rng=np.random.default_rng(0))
    assert row["test"] == "wilcoxon" and row["n"] == 7
    assert row["p_value"] == pytest.approx(wilcoxon(after, before, zero_method="pratt").pvalue)
    assert row["ci_low"] <= row["diff"] <= row["ci_high"]
