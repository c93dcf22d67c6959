"""The report's sentences: each rule fires on the pattern it names, and only then."""

from __future__ import annotations

from genjudge.config import FindingThresholds
from genjudge.findings import findings, higher_is_better
from genjudge.records import Family, MetricValue

T = FindingThresholds()


def mv(
    metric,
    subject,
    value,
    n=200,
    column=None,
    slice_value=None,
    lo=None,
    hi=None,
    family=Family.QUALITY,
    label=None,
):
    return MetricValue(
        metric=metric,
        family=family,
        subject=subject,
        value=value,
        n=n,
        slice_column=column,
        slice_value=slice_value,
        ci_low=lo if lo is not None else value - 0.02,
        ci_high=hi if hi is not None else value + 0.02,
        too_small=n < 30,
        label=label,
    )


def codes(metrics):
    return [f.code for f in findings(metrics, T)]


def test_teacher_ceiling_when_agreement_high_and_quality_low():
    ms = [
        mv("agreement_rate", "student_vs_teacher", 0.95, family=Family.FIDELITY),
        mv("accuracy_score", "student", 0.62),
        mv("accuracy_score", "teacher", 0.64),
    ]
    found = findings(ms, T)
    assert [f.code for f in found] == ["teacher_ceiling"]
    assert "the teacher is the ceiling" in found[0].message and "0.950 (n=200" in found[0].message


def test_same_quality_different_answers_and_distillation_gap():
    assert codes(
        [
            mv("agreement_rate", "student_vs_teacher", 0.7, family=Family.FIDELITY),
            mv("accuracy_score", "student", 0.85),
            mv("accuracy_score", "teacher", 0.86),
        ]
    ) == ["same_quality_different_answers"]
    assert codes(
        [
            mv("agreement_rate", "student_vs_teacher", 0.93, family=Family.FIDELITY),
            mv("accuracy_score", "student", 0.85),
            mv("accuracy_score", "teacher", 0.93),
        ]
    ) == ["distillation_gap"]


def test_weak_slice_needs_its_interval_below_the_overall_value():
    overall = mv("accuracy_score", "student", 0.9, n=1000)
    weak = mv("accuracy_score", "student", 0.7, n=100, column="region", slice_value="west", lo=0.6, hi=0.8)
    wide = mv("accuracy_score", "student", 0.7, n=100, column="region", slice_value="east", lo=0.5, hi=0.91)
    found = findings([overall, weak, wide], T)
    assert [f.code for f in found] == ["weak_slice"] and "region=west" in found[0].message


def test_lower_is_better_metrics_are_weak_when_high():
    assert not higher_is_better("missing_field_error") and higher_is_better("agreement_rate")
    overall = mv("missing_field_error", "student", 0.1, n=1000)
    low = mv("missing_field_error", "student", 0.02, n=100, column="c", slice_value="good", lo=0.0, hi=0.05)
    high = mv("missing_field_error", "student", 0.3, n=100, column="c", slice_value="bad", lo=0.2, hi=0.4)
    found = findings([overall, low, high], T)
    assert [f.code for f in found] == ["weak_slice"]
    assert found[0].cases == [found[0].cases[0]] and found[0].cases[0].startswith("c=bad: missing_field_error")
    assert "c=good" not in found[0].message


def test_lost_class_and_small_slices():
    ms = [
        mv("f1_score", "student", 0.4, label="fraud"),
        mv("f1_score", "teacher", 0.8, label="fraud"),
        mv("f1_score", "student", 0.88, label="billing"),
        mv("f1_score", "teacher", 0.9, label="billing"),
        mv("accuracy_score", "student", 0.5, n=12, column="rare_class", slice_value="fraud"),
    ]
    found = findings(ms, T)
    assert [f.code for f in found] == ["lost_class", "small_slices"]
    assert "'fraud'" in found[0].message and "rare_class=fraud (n=12)" in found[1].message


def test_generation_leaves_exact_agreement_out_and_unvalidated_judge_is_named():
    from genjudge.records import TaskKind

    ms = [
        mv("agreement_rate", "student_vs_teacher", 0.1, family=Family.FIDELITY),
        mv("reference_match_rate", "student", 0.0),
        mv("reference_match_rate", "teacher", 0.0),
    ]
    assert [f.code for f in findings(ms, T, task=TaskKind.GENERATION)] == []
    assert [f.code for f in findings(ms, T, task=TaskKind.CLASSIFICATION)] == [
        "same_quality_different_answers"
    ]
    judged = mv("judge_equivalence_rate", "student_vs_teacher", 0.9, family=Family.FIDELITY).model_copy(
        update={"validated": False}
    )
    found = findings([judged], T)
    assert [f.code for f in found] == ["unvalidated_judge"] and "judge_equivalence_rate" in found[0].message
    assert findings([judged.model_copy(update={"validated": True})], T) == []


def test_small_slice_names_the_metrics_under_the_minimum():
    ms = [
        mv(
            "agreement_rate",
            "student_vs_teacher",
            0.9,
            n=40,
            column="doc",
            slice_value="a",
            family=Family.FIDELITY,
        ),
        mv(
            "judge_position_inconsistency_rate",
            "student_vs_teacher",
            0.1,
            n=7,
            column="doc",
            slice_value="a",
            family=Family.FIDELITY,
        ),
    ]
    [f] = findings(ms, T)
    assert f.code == "small_slices" and "doc=a (n=7 for judge_position_inconsistency_rate)" in f.message
