"""Findings on the whole set: where the student stands against the teacher and the reference.

- ``teacher_ceiling``: the student follows the teacher closely and both are poor against the
  reference: the teacher is the ceiling, not the distillation.
- ``same_quality_different_answers``: similar quality, different answers.
- ``distillation_gap`` / ``student_beats_teacher``: the student's quality against the teacher's,
  on every quality metric the task has (one finding, one case per metric).
- ``structure_drift``: the student keeps the format (parse, schema, rules) less often than the teacher.
- ``lost_class``: a class whose F1 the student loses.
"""

from __future__ import annotations

from collections.abc import Iterable

from genjudge.config import FindingThresholds
from genjudge.findings._common import (
    FIDELITY,
    QUALITY,
    Finding,
    gap,
    grouped,
    matching,
    overall,
    quote,
    value,
)
from genjudge.records import Family, MetricValue, TaskKind


def _pairs(metrics: list[MetricValue], patterns: tuple[str, ...]) -> list[tuple[MetricValue, MetricValue]]:
    """(student, teacher) whole-set values of the quality metrics both models have."""
    out = []
    for s in matching(metrics, patterns, "student"):
        if (t := overall(metrics, s.metric, "teacher")) is not None:
            out.append((s, t))
    return out


def _rate(m: MetricValue) -> bool:
    """A share of items (or a mean of per-item shares): the scale ``low_quality`` is set on."""
    return m.metric.endswith("_rate") or m.metric in ("accuracy_score", "field_f1_score")


def fidelity_quality_gap(
    metrics: list[MetricValue], t: FindingThresholds, task: TaskKind = TaskKind.CLASSIFICATION
) -> Iterable[Finding]:
    """Fidelity to the teacher against quality on the reference, with the task's own metrics."""
    fidelity = next(iter(matching(metrics, FIDELITY[task], "student_vs_teacher")), None)
    pairs = _pairs(metrics, QUALITY[task])
    primary = next(((s, te) for s, te in pairs if _rate(s)), None)
    if primary is None:
        students = [s for s in matching(metrics, QUALITY[task], "student") if _rate(s)]
        primary = (students[0], None) if students else None  # type: ignore[assignment]
    if fidelity is not None and primary is not None:
        student, teacher = primary
        if value(fidelity) >= t.high_agreement and value(student) < t.low_quality:
            ceiling = f" and the teacher's own {teacher.metric} is {quote(teacher)}" if teacher else ""
            yield Finding(
                code="teacher_ceiling",
                severity="warning",
                message=(
                    f"High {fidelity.metric} with the teacher {quote(fidelity)}, low {student.metric} "
                    f"{quote(student)}{ceiling}: the teacher is the ceiling, not the distillation. Improve "
                    "the teacher or the labels, not the student."
                ),
                effect=round(t.low_quality - value(student), 6),
            )
        elif (
            value(fidelity) < t.high_agreement
            and teacher is not None
            and abs(value(student) - value(teacher)) < t.material_gap
        ):
            yield Finding(
                code="same_quality_different_answers",
                severity="info",
                message=(
                    f"The student matches the teacher's {student.metric} ({quote(student)} against "
                    f"{quote(teacher)}) but its {fidelity.metric} with the teacher is only {quote(fidelity)}: "
                    "it reaches similar quality with different errors."
                ),
                effect=round(t.high_agreement - value(fidelity), 6),
            )
    lost = [(gap(te, s), s, te) for s, te in pairs if gap(te, s) >= t.material_gap]
    won = [(gap(s, te), s, te) for s, te in pairs if gap(s, te) >= t.material_gap]
    if lost:
        yield grouped(
            "distillation_gap",
            "warning",
            "The student falls below the teacher: the distillation lost quality",
            [(g, f"{s.metric} {quote(s)} against the teacher's {quote(te)}") for g, s, te in lost],
        )
    if won:
        yield grouped(
            "student_beats_teacher",
            "info",
            "The student exceeds the teacher",
            [(g, f"{s.metric} {quote(s)} against the teacher's {quote(te)}") for g, s, te in won],
        )


def structure_drift(metrics: list[MetricValue], t: FindingThresholds) -> Iterable[Finding]:
    """The student keeps the output format (parse, schema, rules) less often than the teacher."""
    cases = []
    for s in metrics:
        if s.family is not Family.STRUCTURE or s.subject != "student" or s.slice_column or s.label:
            continue
        te = overall(metrics, s.metric, "teacher")
        if s.value is None or te is None:
            continue
        if (g := gap(te, s)) >= t.material_gap:
            cases.append((g, f"{s.metric} {quote(s)} against the teacher's {quote(te)}"))
    if cases:
        yield grouped(
            "structure_drift",
            "warning",
            "The student's outputs drift from the format the teacher keeps",
            cases,
        )


def lost_classes(metrics: list[MetricValue], t: FindingThresholds) -> Iterable[Finding]:
    """Classes whose F1 the student loses against the teacher, on all items (rare ones matter most)."""
    teacher = {
        m.label: m
        for m in metrics
        if m.metric == "f1_score"
        and m.subject == "teacher"
        and m.slice_column is None
        and m.label is not None
    }
    cases: list[tuple[float, str]] = []
    for m in metrics:
        if (
            m.metric != "f1_score"
            or m.subject != "student"
            or m.slice_column is not None
            or m.label not in teacher
        ):
            continue
        other = teacher[m.label]
        if m.value is not None and other.value is not None and other.value - m.value >= 2 * t.material_gap:
            text = f"{m.label!r} (support {m.support}): F1 {quote(m)} against the teacher's {quote(other)}"
            cases.append((other.value - m.value, text))
    if len(cases) == 1:
        yield Finding(
            code="lost_class",
            severity="critical",
            message=f"The student loses class {cases[0][1]}.",
            effect=round(cases[0][0], 6),
            cases=[cases[0][1]],
        )
    elif cases:
        yield grouped("lost_class", "critical", f"The student loses {len(cases)} classes", cases)
