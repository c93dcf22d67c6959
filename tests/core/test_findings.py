"""The report's sentences: each rule fires on the pattern it names, and only then."""

from __future__ import annotations

import pytest

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
    assert found[0].cases == [found[0].cases[0]] and found[0].cases[0].startswith(
        "c=bad: missing_field_error"
    )
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


def _weak_slices(overall_value, n_slices, *, metric="accuracy_score", critical=False):
    ms = [mv(metric, "student", overall_value, n=2000)]
    for i in range(n_slices):
        low = overall_value - 0.2 - 0.01 * i
        ms.append(
            mv(
                metric,
                "student",
                low,
                n=100,
                column="region",
                slice_value=f"r{i}",
                lo=low - 0.05,
                hi=low + 0.05,
            )
        )
    if critical:
        ms[1] = ms[1].model_copy(update={"critical": True})
    return ms


def test_many_weak_slices_are_one_finding_ranked_by_gap_with_every_case():
    [f] = findings(_weak_slices(0.9, 12), T)
    assert f.code == "weak_slice" and len(f.cases) == 12
    assert f.cases[0].startswith("region=r11:")  # the largest gap first
    assert f.message.count("region=") == 3 and "and 9 more (listed in the report)" in f.message
    assert f.effect == pytest.approx(0.2 + 0.11)


def test_good_aggregate_is_said_only_when_the_aggregate_is_good():
    [good] = findings(_weak_slices(0.9, 1), T)
    assert good.message.startswith("Good aggregate, weak on some slices")
    [low] = findings(_weak_slices(0.3, 1), T)
    assert low.message.startswith("Weaker on some slices than on the whole set")
    assert "Good aggregate" not in low.message and "coverage gap" not in low.message  # no teacher numbers


def test_hard_for_both_and_critical_slices_are_their_own_patterns():
    ms = _weak_slices(0.9, 2, critical=True)
    ms += [
        mv("accuracy_score", "teacher", 0.95, n=2000),
        mv("accuracy_score", "teacher", 0.7, n=100, column="region", slice_value="r1", lo=0.65, hi=0.75),
    ]
    found = {f.code: f for f in findings(ms, T)}
    assert set(found) == {"weak_critical_slice", "hard_slice"}
    assert (
        found["weak_critical_slice"].severity == "critical"
        and "region=r0" in found["weak_critical_slice"].message
    )
    assert "the teacher is weak on these slices too" in found["hard_slice"].message
    assert [f.code for f in findings(ms, T)] == ["weak_critical_slice", "hard_slice"]  # ranked by severity


def test_extraction_reads_field_f1_not_whole_json_match():
    from genjudge.records import TaskKind

    ms = [
        mv("agreement_rate", "student_vs_teacher", 0.05, family=Family.FIDELITY),
        mv("reference_match_rate", "student", 0.02),
        mv("reference_match_rate", "teacher", 0.1),
        mv("field_f1_score", "student_vs_teacher", 0.95, family=Family.FIDELITY),
        mv("field_f1_score", "student", 0.6),
        mv("field_f1_score", "teacher", 0.62),
    ]
    [f] = findings(ms, T, task=TaskKind.EXTRACTION)
    assert (
        f.code == "teacher_ceiling"
        and "field_f1_score" in f.message
        and "reference_match_rate" not in f.message
    )


def test_generation_gap_from_judged_equivalence_similarity_and_rubric_scores():
    from genjudge.records import TaskKind

    ms = [
        mv("judge_equivalence_rate", "student_vs_teacher", 0.7, family=Family.FIDELITY),
        mv("reference_similarity_above_threshold_rate", "student", 0.70),
        mv("reference_similarity_above_threshold_rate", "teacher", 0.90),
        mv("judge_faithfulness_score", "student", 3.6),  # on 1-5: 0.4 below is 10% of 4.0
        mv("judge_faithfulness_score", "teacher", 4.0),
    ]
    found = findings(ms, T, task=TaskKind.GENERATION)
    [gap] = [f for f in found if f.code == "distillation_gap"]
    assert len(gap.cases) == 2 and gap.cases[0].startswith("reference_similarity_above_threshold_rate 0.700")
    assert gap.cases[1].startswith("judge_faithfulness_score 3.60")
    assert gap.effect == pytest.approx(0.2)


def test_structure_drift_and_weak_structure_slices():
    ms = [
        mv("schema_adherence_rate", "student", 0.8, family=Family.STRUCTURE),
        mv("schema_adherence_rate", "teacher", 0.97, family=Family.STRUCTURE),
        mv("schema_adherence_rate", "student", 0.5, n=100, column="len", slice_value="long", lo=0.4, hi=0.6,
           family=Family.STRUCTURE),
    ]  # fmt: skip
    codes_found = [f.code for f in findings(ms, T)]
    assert codes_found == ["weak_slice", "structure_drift"]  # both warnings: the larger gap first


def test_operations_findings_missing_columns_and_one_sided_savings():
    assert [f.code for f in findings([], T, operations=None)] == ["operations_missing"]
    ops = {
        "teacher": {"latency_ms": {"p50": 900.0}, "cost_per_1k_calls_usd": {"mean": 0.1}},
        "student": {"latency_ms": {"p50": 200.0}, "cost_per_1k_calls_usd": {"mean": 0.11}},
        "saved_pct": {"latency_p50": 77.8, "cost_per_1k_calls": -10.0},
        "saved_ci": {"latency_p50": [74.0, 81.0], "cost_per_1k_calls": [-14.0, -6.0]},
    }
    [f] = findings([], T, operations=ops)
    assert f.code == "latency_not_cost" and "saves 78% median latency (95% CI 74% to 81%)" in f.message
    assert "costs 10% cost per call" in f.message
    both = {**ops, "saved_pct": {"latency_p50": 77.8, "cost_per_1k_calls": 60.0},
            "saved_ci": {"latency_p50": [74.0, 81.0], "cost_per_1k_calls": [55.0, 65.0]}}  # fmt: skip
    assert findings([], T, operations=both) == []
