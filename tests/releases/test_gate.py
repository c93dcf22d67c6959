"""`genjudge gate`: the policy's decisions cell by cell, the exit status, JUnit XML and Markdown."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import genjudge
from genjudge.cli import app
from genjudge.comparison.runs import StoredRun
from genjudge.gating import CellOutcome, GatePolicy, evaluate_gate
from genjudge.records import TaskKind
from tests.records import stub_record


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_v2_fails_on_the_critical_slice_with_junit_and_markdown(releases, tmp_path):
    policy = releases.folder / "gate.yaml"
    result = invoke(
        "gate", policy, "--run", releases.v2.run_id, "--baseline", "previous", "--store", releases.store,
        "--junit", tmp_path / "gate.xml", "--markdown", tmp_path / "gate.md", "--html", tmp_path / "gate.html",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    failed = [line for line in result.output.splitlines() if line.startswith("FAIL ")]
    assert len(failed) == 2 and all("business_critical=yes (critical)" in line for line in failed)
    assert "upper bound -0.124 beyond the allowed regression 0.03 by 0.094" in failed[0]
    assert f"against baseline {releases.v1.run_id}: 2 failed, 4 passed, 0 skipped" in result.output
    suite = ET.parse(tmp_path / "gate.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("6", "2", "0")
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    assert cases[("student_vs_teacher.agreement_rate", "business_critical=yes")].find("failure") is not None
    assert cases[("student.accuracy_score", "difficulty=hard")].find("failure") is None
    md = (tmp_path / "gate.md").read_text(encoding="utf-8")
    assert md.startswith("## genjudge gate: ❌ FAIL") and "business_critical=yes **critical**" in md
    assert "FAIL" in (tmp_path / "gate.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("decide_on", "passes"), [("interval", True), ("point", False), ("strict", False)])
def test_how_the_interval_is_read_decides_the_first_release(releases, tmp_path, decide_on, passes):
    # v1 on business_critical=yes: agreement 0.828 (95% CI 0.716-0.908) against a floor of 0.85.
    data = yaml.safe_load((releases.folder / "gate.yaml").read_text())
    data["decide_on"] = decide_on
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(data), encoding="utf-8")
    # v1 is the first release on this set: `previous` finds no baseline, and the output says so.
    result = invoke(
        "gate", policy, "--run", releases.v1.run_id, "--baseline", "previous", "--store", releases.store
    )
    assert result.exit_code == (0 if passes else 1), result.output
    assert "no earlier run on this set" in result.output
    assert "no baseline run: the max_regression limits were not checked" in result.output
    if not passes:
        bound = "point estimate 0.828" if decide_on == "point" else "lower bound 0.716"
        assert "agreement_rate on business_critical=yes (critical): 0.828" in result.output
        assert f"{bound} misses the floor 0.850" in result.output


def test_usage_errors_exit_2_naming_the_file_and_field(releases, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - metric: agreement_rate\n    flor: 0.8\n", encoding="utf-8")
    result = invoke("gate", bad, "--run", releases.v1.run_id, "--store", releases.store)
    assert result.exit_code == 2 and "bad.yaml" in result.output and "flor" in result.output
    typo = tmp_path / "typo.yaml"
    typo.write_text("rules:\n  - {metric: agrement_rate, floor: 0.8}\n", encoding="utf-8")
    result = invoke("gate", typo, "--run", releases.v1.run_id, "--store", releases.store)
    assert (
        result.exit_code == 2 and "matches no metric" in result.output and "agreement_rate" in result.output
    )
    result = invoke("gate", releases.folder / "gate.yaml", "--run", "nope", "--store", releases.store)
    assert result.exit_code == 2 and "no run 'nope'" in result.output
    assert "Traceback" not in result.output


def test_run_with_gate_does_both_in_one_step(releases):
    result = invoke(
        "run", releases.folder / "genjudge-v2.yaml", "--store", releases.store, "--resamples", 200, "-q",
        "--gate", releases.folder / "gate.yaml", "--baseline", releases.v1.run_id,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    folder = next(line for line in result.output.splitlines() if line.startswith("gate: ")).split()[1]
    assert folder.endswith("gate.md")
    assert "gate FAIL" in result.output


def _run(metrics: list[dict], *, outcome: dict | None = None) -> StoredRun:
    record = stub_record("r1", task=TaskKind.EXTRACTION, set_fingerprint="f" * 64)
    report = {"metrics": metrics, "settings": {"bootstrap": {"confidence": 0.95}}, "outcome": outcome}
    return StoredRun(record, report, pd.DataFrame())


def _m(metric, value, lo, hi, n=100, column=None, slice_value=None, critical=False, validation=None):
    return {
        "metric": metric, "subject": "student", "value": value, "ci_low": lo, "ci_high": hi, "n": n,
        "slice_column": column, "slice_value": slice_value, "critical": critical, "label": None,
        "validation": validation,
    }  # fmt: skip


def test_ceilings_support_and_judge_numbers():
    policy = GatePolicy.model_validate(
        {
            "rules": [
                {"metric": "missing_field_error", "slices": ["overall", "critical", "all"], "ceiling": 0.1},
                {"metric": "judge_*_score", "floor": 3.5},
            ]
        }
    )
    run = _run(
        [
            _m("missing_field_error", 0.08, 0.05, 0.12),  # lenient: low bound 0.05 <= 0.1 passes
            _m("missing_field_error", 0.2, 0.15, 0.3, n=12, column="c", slice_value="a", critical=True),
            _m("missing_field_error", 0.2, 0.15, 0.3, n=12, column="c", slice_value="b"),
            _m("missing_field_error", 0.2, 0.15, 0.3, n=80, column="c", slice_value="d"),
            _m("judge_faithfulness_score", 4.1, 3.9, 4.3, validation="validated elsewhere"),
        ]
    )
    cells = {(c.metric, c.slice_value): c for c in evaluate_gate(policy, run).cells}
    assert cells[("missing_field_error", None)].outcome is CellOutcome.PASS
    assert cells[("missing_field_error", "a")].outcome is CellOutcome.FAIL  # critical and too small
    assert cells[("missing_field_error", "b")].outcome is CellOutcome.SKIP  # too small, not critical
    d = cells[("missing_field_error", "d")]
    assert (
        d.outcome is CellOutcome.FAIL
        and "lower bound 0.150 misses the ceiling 0.100 by 0.050" in d.reasons[0]
    )
    judged = cells[("judge_faithfulness_score", None)]
    assert judged.outcome is CellOutcome.FAIL and "validated elsewhere" in judged.reasons[0]
    looser = GatePolicy.model_validate({**policy.model_dump(), "judge_numbers": "validated_elsewhere"})
    assert evaluate_gate(looser, run).cells[-1].outcome is CellOutcome.PASS


def test_a_failed_run_fails_the_gate():
    policy = GatePolicy.model_validate({"rules": [{"metric": "field_f1_score", "floor": 0.1}]})
    run = _run([_m("field_f1_score", 0.9, 0.85, 0.95)], outcome={"status": "failed", "why": "40% unscored"})
    result = evaluate_gate(policy, run)
    assert all(c.outcome is CellOutcome.PASS for c in result.cells) and not result.passed
    assert result.problems == ["the run failed: 40% unscored"]


def test_python_api_gate(releases):
    result = genjudge.gate(
        releases.folder / "gate.yaml", releases.v2.run_id, baseline="previous", store=releases.store
    )
    assert not result.passed and result.baseline_id == releases.v1.run_id
    assert {c.where for c in result.cells if c.outcome is CellOutcome.FAIL} == {"business_critical=yes"}


def test_a_regression_limit_on_a_confusion_metric_is_skipped_and_says_why(releases):
    policy = GatePolicy.model_validate(
        {
            "rules": [
                {
                    "metric": "macro_f1_score",
                    "subject": "student",
                    "slices": ["overall"],
                    "max_regression": 0.05,
                }
            ]
        }
    )
    result = genjudge.gate(policy, releases.v2.run_id, baseline=releases.v1.run_id, store=releases.store)
    [cell] = result.cells
    assert cell.outcome is CellOutcome.SKIP and result.passed
    assert "not a mean of per-item values" in cell.reasons[0]
