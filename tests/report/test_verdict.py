"""The verdict follows its rules in order, and every reason quotes the numbers it rests on."""

from __future__ import annotations

from genjudge.report.verdict import ReleaseStatus, compute_verdict


def report(**parts):
    base = {
        "settings": {"bootstrap": {"confidence": 0.95}},
        "outcome": {
            "status": "ok",
            "failure_share": 0.0,
            "max_failure_share": 0.05,
            "not_scored": 0,
            "items": 200,
        },
        "headline": {
            "student_vs_teacher.agreement_rate": {"value": 0.93, "n": 200, "ci_low": 0.89, "ci_high": 0.96},
            "student.accuracy_score": {"value": 0.88, "n": 198, "ci_low": 0.83, "ci_high": 0.92},
        },
        "metrics": [],
        "findings": [{"code": "small_slices", "severity": "info", "message": "Too small: x=a (n=3)."}],
    }
    base.update(parts)
    return base


def judge_metric(validation, validated=False, **where):
    return {
        "metric": "judge_equivalence_rate",
        "slice_column": None,
        "label": None,
        "validated": validated,
        "validation": validation,
        "value": 0.875,
        "n": 22,
        "ci_low": 0.7,
        "ci_high": 0.96,
        **where,
    }


def test_ready_quotes_the_headline():
    v = compute_verdict(report())
    assert v.status is ReleaseStatus.READY
    assert 2 <= len(v.reasons) <= 3
    assert "0.930 (n=200, 95% CI 0.890–0.960)" in v.reasons[1]
    assert "0 warnings" in v.reasons[0]


def test_a_failed_run_cannot_tell_whatever_else():
    failed = {
        "status": "failed",
        "failure_share": 0.12,
        "max_failure_share": 0.05,
        "not_scored": 24,
        "items": 200,
    }
    critical = [{"code": "lost_class", "severity": "critical", "message": "The student loses class 'x'."}]
    v = compute_verdict(report(outcome=failed, findings=critical))
    assert v.status is ReleaseStatus.CANNOT_TELL
    assert "24 of 200 items (12.0%)" in v.reasons[0] and "5.0%" in v.reasons[0]


def test_a_critical_finding_is_not_ready_and_is_quoted():
    found = [
        {"code": "weak_slice", "severity": "warning", "message": "agreement low on x=a."},
        {
            "code": "lost_class",
            "severity": "critical",
            "message": "The student loses class 'fraud' (F1 0.38).",
        },
    ]
    v = compute_verdict(report(findings=found))
    assert v.status is ReleaseStatus.NOT_READY
    assert v.reasons[0] == "The student loses class 'fraud' (F1 0.38)."


def test_a_distillation_gap_blocks_although_a_warning():
    found = [{"code": "distillation_gap", "severity": "warning", "message": "0.118 below the teacher's."}]
    assert compute_verdict(report(findings=found)).status is ReleaseStatus.NOT_READY


def test_more_blocking_findings_are_counted():
    found = [{"code": f"c{i}", "severity": "critical", "message": f"m{i}"} for i in range(4)]
    v = compute_verdict(report(findings=found))
    assert v.reasons[:2] == ["m0", "m1"] and "4 blocking findings" in v.reasons[2]


def test_unvalidated_judge_numbers_cannot_tell():
    metrics = [judge_metric("unvalidated"), judge_metric("unvalidated", slice_column="x", slice_value="a")]
    v = compute_verdict(report(metrics=metrics))
    assert v.status is ReleaseStatus.CANNOT_TELL
    assert "judge_equivalence_rate 0.875 (n=22, 95% CI 0.700–0.960)" in v.reasons[0]
    assert "unvalidated" in v.reasons[0]
    assert "0.880 (n=198" in v.reasons[1]


def test_validated_elsewhere_is_named():
    v = compute_verdict(report(metrics=[judge_metric("validated elsewhere")]))
    assert v.status is ReleaseStatus.CANNOT_TELL and "validated elsewhere" in v.reasons[0]


def test_a_validated_judge_does_not_stop_ready():
    v = compute_verdict(report(metrics=[judge_metric("validated", validated=True)]))
    assert v.status is ReleaseStatus.READY


def test_the_runs_report_holds_its_verdict(example_report):
    import json

    from genjudge.report.model import Report

    data = json.loads((example_report("tickets") / "report.json").read_text(encoding="utf-8"))
    assert data["verdict"] == compute_verdict({k: v for k, v in data.items() if k != "verdict"}).model_dump(
        mode="json"
    )
    # the tickets student loses a class: a critical finding, so not ready
    assert data["verdict"]["status"] == "not_ready"
    assert Report.model_validate(data).verdict is not None
    md = (example_report("tickets") / "report.md").read_text(encoding="utf-8")
    assert "## Verdict: not ready" in md
