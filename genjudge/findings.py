"""The report's sentences: what the numbers mean, in words.

Each rule reads the aggregated metrics and returns zero or more findings. Rules compare point
estimates and intervals; a finding always quotes the numbers and their denominators it rests on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar

from pydantic import BaseModel, ConfigDict

from genjudge.config import FindingThresholds
from genjudge.formatting import ci_label, format_interval, format_number
from genjudge.records import Family, MetricValue, TaskKind


class Finding(BaseModel):
    """One sentence of diagnosis."""

    model_config = ConfigDict(frozen=True)

    code: str
    """Stable identifier of the pattern (e.g. ``teacher_ceiling``)."""
    severity: str
    """``info``, ``warning`` or ``critical``."""
    message: str


QUALITY_METRICS = ("accuracy_score", "reference_match_rate")


def _overall(metrics: list[MetricValue], name: str, subject: str) -> MetricValue | None:
    for m in metrics:
        if m.metric == name and m.subject == subject and m.slice_column is None and m.label is None:
            return m if m.value is not None else None
    return None


def _value(m: MetricValue) -> float:
    """The value of a metric :func:`_overall` found (it returns only metrics with a value)."""
    if m.value is None:
        raise ValueError(f"metric {m.metric} has no value")
    return m.value


def _quality(metrics: list[MetricValue], subject: str) -> MetricValue | None:
    for name in QUALITY_METRICS:
        if (found := _overall(metrics, name, subject)) is not None:
            return found
    return None


# The run's confidence level, for the sentences' interval labels; set by :func:`findings` while the
# rules run, so the rules keep their (metrics, thresholds) signature.
_CONFIDENCE: ContextVar[float] = ContextVar("genjudge_findings_confidence", default=0.95)


def _fmt(m: MetricValue) -> str:
    ci = (
        f", {ci_label(_CONFIDENCE.get())} {format_interval(m.ci_low, m.ci_high)}"
        if m.ci_low is not None
        else ""
    )
    return f"{format_number(m.value)} (n={m.n}{ci})"


def fidelity_quality_gap(metrics: list[MetricValue], t: FindingThresholds) -> Iterable[Finding]:
    """The gap between agreement with the teacher and quality against the reference.

    Exact agreement is a fair measure for labels and canonical JSON; for free text it is near zero
    by construction, so the rule leaves generation to the judge and similarity numbers.
    """
    agree = _overall(metrics, "agreement_rate", "student_vs_teacher")
    student, teacher = _quality(metrics, "student"), _quality(metrics, "teacher")
    if agree is None or student is None:
        return
    name = student.metric
    agree_v, student_v = _value(agree), _value(student)
    teacher_v = _value(teacher) if teacher is not None else None
    if agree_v >= t.high_agreement and student_v < t.low_quality:
        ceiling = f" and the teacher's own {name} is {_fmt(teacher)}" if teacher else ""
        yield Finding(
            code="teacher_ceiling",
            severity="warning",
            message=(
                f"High agreement with the teacher {_fmt(agree)}, low {name} {_fmt(student)}{ceiling}: "
                "the teacher is the ceiling, not the distillation. Improve the teacher or the labels, "
                "not the student."
            ),
        )
    elif (
        agree_v < t.high_agreement
        and teacher is not None
        and teacher_v is not None
        and abs(student_v - teacher_v) < t.material_gap
    ):
        yield Finding(
            code="same_quality_different_answers",
            severity="info",
            message=(
                f"The student matches the teacher's {name} ({_fmt(student)} against {_fmt(teacher)}) "
                f"but agrees with it on only {_fmt(agree)}: it reaches similar quality with different errors."
            ),
        )
    if teacher is not None and teacher_v is not None and teacher_v - student_v >= t.material_gap:
        yield Finding(
            code="distillation_gap",
            severity="warning",
            message=(
                f"The student's {name} {_fmt(student)} is {teacher_v - student_v:.3f} below the "
                f"teacher's {_fmt(teacher)}: the distillation lost quality."
            ),
        )
    elif teacher is not None and teacher_v is not None and student_v - teacher_v >= t.material_gap:
        yield Finding(
            code="student_beats_teacher",
            severity="info",
            message=f"The student's {name} {_fmt(student)} exceeds the teacher's {_fmt(teacher)}.",
        )


def higher_is_better(metric: str) -> bool:
    """The naming contract: ``*_error`` / ``*_loss`` are lower-is-better, as is an inconsistency rate."""
    return not (metric.endswith(("_error", "_loss")) or "inconsistency" in metric)


def weak_slices(metrics: list[MetricValue], t: FindingThresholds) -> Iterable[Finding]:
    """Slices (large enough to trust) whose interval lies wholly on the bad side of the overall value."""
    for m in metrics:
        if (
            m.slice_column is None
            or m.label is not None
            or m.too_small
            or m.value is None
            or m.ci_high is None
        ):
            continue
        if m.family not in (Family.QUALITY, Family.FIDELITY) or m.subject == "teacher":
            continue
        # Macro averages run over the classes a slice contains, so a slice that holds only some
        # classes is not comparable with the whole set; per-item rates are.
        if m.metric.startswith("macro_"):
            continue
        overall = _overall(metrics, m.metric, m.subject)
        if overall is None:
            continue
        sign = 1.0 if higher_is_better(m.metric) else -1.0
        overall_v = _value(overall)
        worse_by = sign * (overall_v - m.value)
        if sign > 0:
            interval_clear = m.ci_high < overall_v
        else:
            interval_clear = m.ci_low is not None and m.ci_low > overall_v
        if worse_by < t.material_gap or not interval_clear:
            continue
        direction = "low" if sign > 0 else "high"
        yield Finding(
            code="weak_slice",
            severity="critical" if m.metric in QUALITY_METRICS else "warning",
            message=(
                f"Good aggregate, {direction} on a slice: {m.metric} ({m.subject}) is {_fmt(m)} on "
                f"{m.slice_column}={m.slice_value} against {_fmt(overall)} overall: a coverage gap "
                "in the training inputs of that slice."
            ),
        )


def small_slices(metrics: list[MetricValue], t: FindingThresholds) -> Iterable[Finding]:
    """Name the slices too small to trust, once each, with the metrics that fall under the minimum."""
    small: dict[tuple[str, str], dict[str, int]] = {}
    total: dict[tuple[str, str], int] = {}
    for m in metrics:
        if m.slice_column is None or m.label is not None:
            continue
        key = (m.slice_column, m.slice_value or "")
        total[key] = total.get(key, 0) + 1
        if m.too_small:
            small.setdefault(key, {}).setdefault(m.metric, m.n)
    parts = []
    for (column, value), by_metric in sorted(small.items()):
        n = min(by_metric.values())
        if len(by_metric) == total[(column, value)] or len(by_metric) > 3:
            parts.append(f"{column}={value} (n={n})")
        else:
            parts.append(f"{column}={value} (n={n} for {', '.join(sorted(by_metric))})")
    if parts:
        yield Finding(
            code="small_slices",
            severity="info",
            message=f"Too small to trust (under the minimum support), shown but not to be relied on: {'; '.join(parts)}.",
        )


PROPORTION_METHODS = ("jeffreys", "jeffreys_clustered")
MAX_NAMED_SLICES = 8


def sample_size(metrics: list[MetricValue], t: FindingThresholds) -> Iterable[Finding]:
    """Slices too small for the question the report asks of them: telling a gap of
    ``material_gap`` needs an interval no wider than ± that gap. For each slice whose widest
    proportion interval is wider, say how many items it would need at its observed rate (scaled
    by the observed design effect when items are clustered)."""
    from genjudge.stats.samplesize import half_width, items_for_half_width

    target = t.material_gap
    worst: dict[tuple[str, str], tuple[int, MetricValue, float]] = {}
    for m in metrics:
        if (
            m.slice_column is None
            or m.label is not None
            or m.ci_method not in PROPORTION_METHODS
            or m.value is None
            or m.ci_low is None
            or m.ci_high is None
            or m.subject == "teacher"
            or not 0 < target < 0.5
        ):
            continue
        width = (m.ci_high - m.ci_low) / 2
        if width <= target:
            continue
        iid = half_width(m.value, m.n)
        inflation = max(1.0, (width / iid) ** 2) if iid > 0 else 1.0
        needed = int(items_for_half_width(m.value, target) * inflation + 0.999)
        key = (m.slice_column, m.slice_value or "")
        if key not in worst or needed > worst[key][0]:
            worst[key] = (needed, m, width)
    if not worst:
        return
    ranked = sorted(worst.items(), key=lambda kv: (-kv[1][0], kv[0]))
    parts = [
        f"{column}={value} (n={m.n}: {m.metric} {m.value:.3f} ± {width:.3f}, needs about {needed:,} items)"
        for (column, value), (needed, m, width) in ranked[:MAX_NAMED_SLICES]
    ]
    more = len(ranked) - MAX_NAMED_SLICES
    tail = f"; and {more} more slice(s)" if more > 0 else ""
    yield Finding(
        code="sample_size",
        severity="info",
        message=(
            f"Too small to tell a {target:.2f} gap (their 95% interval is wider than ± {target:.2f}): "
            f"{'; '.join(parts)}{tail}."
        ),
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
            yield Finding(
                code="lost_class",
                severity="critical",
                message=(
                    f"The student loses class {m.label!r} (support {m.support}): F1 {_fmt(m)} against the "
                    f"teacher's {_fmt(other)}."
                ),
            )


def unvalidated_judge(metrics: list[MetricValue], t: FindingThresholds) -> Iterable[Finding]:
    """Judge-based numbers whose judge is not validated on this set are not evidence."""
    judged = [m for m in metrics if m.validated is not None]
    elsewhere = sorted({m.metric for m in judged if m.validation == "validated elsewhere"})
    names = sorted({m.metric for m in judged if m.validated is False and m.metric not in elsewhere})
    names = [
        n for n in names if any(m.metric == n and m.slice_column is None and not m.validated for m in judged)
    ]
    failing = sorted(
        {
            f"{m.metric} on {m.slice_column}={m.slice_value}"
            for m in judged
            if m.validation == "fails on this slice"
        }
    )
    if names:
        yield Finding(
            code="unvalidated_judge",
            severity="warning",
            message=(
                f"Judge scores ({', '.join(names)}) come from a judge with no accepted validation on this "
                "evaluation set for this rubric and these judge settings: they are not evidence until the judge is "
                "validated on a rated sample of the set (`genjudge labels sample`, `labels rate`, `validate`)."
            ),
        )
    if elsewhere:
        yield Finding(
            code="judge_validated_elsewhere",
            severity="warning",
            message=(
                f"Judge scores ({', '.join(elsewhere)}) come from a judge accepted on another population (the "
                "report's judge validation table says which), not on this set: agreement there does not carry "
                "over by itself; rate a sample of this set to validate it here."
            ),
        )
    if failing:
        yield Finding(
            code="judge_fails_on_slice",
            severity="warning",
            message=(
                f"The judge is accepted overall but fails on some slices: {', '.join(failing)}; its numbers "
                "there are marked unvalidated."
            ),
        )


RULES: list[Callable[[list[MetricValue], FindingThresholds], Iterable[Finding]]] = [
    unvalidated_judge,
    fidelity_quality_gap,
    weak_slices,
    lost_classes,
    small_slices,
    sample_size,
]


def findings(
    metrics: list[MetricValue],
    thresholds: FindingThresholds,
    *,
    task: TaskKind | None = None,
    confidence: float = 0.95,
) -> list[Finding]:
    """All findings of all rules, in rule order (for free text, no rule reads exact agreement).

    ``confidence`` is the level the metrics' intervals were computed at; the sentences name it.
    """
    rules = [r for r in RULES if not (task is TaskKind.GENERATION and r is fidelity_quality_gap)]
    token = _CONFIDENCE.set(confidence)
    try:
        return [f for rule in rules for f in rule(metrics, thresholds)]
    finally:
        _CONFIDENCE.reset(token)
