"""What every findings rule shares: the run's numbers looked up by name, and how they are quoted."""

from __future__ import annotations

from contextvars import ContextVar
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict, Field

from genjudge.formatting import ci_label, format_interval, format_number
from genjudge.records import MetricValue, TaskKind

SEVERITIES = ("critical", "warning", "info")
"""Most severe first: the order findings are ranked in."""


class Finding(BaseModel):
    """One sentence of diagnosis, and the cases it groups."""

    model_config = ConfigDict(frozen=True)

    code: str
    """Stable identifier of the pattern (e.g. ``teacher_ceiling``)."""
    severity: str
    """``info``, ``warning`` or ``critical``."""
    message: str
    """The sentence: the pattern, its largest cases with their numbers and intervals."""
    effect: float | None = None
    """The size the finding is ranked by within its severity: the largest gap it names, on the
    metric's own 0-1 scale (a relative gap for scores on a wider scale)."""
    cases: list[str] = Field(default_factory=list)
    """Every case of the pattern (a slice, a metric), largest first, each with its numbers."""


LOWER_IS_BETTER = ("_error", "_loss", "_divergence", "_distance")


def higher_is_better(metric: str) -> bool:
    """The naming contract: ``*_error``, ``*_loss``, ``*_divergence`` and ``*_distance`` are
    lower-is-better, as are an inconsistency rate and a rate of differing choices."""
    return not (metric.endswith(LOWER_IS_BETTER) or "inconsistency" in metric or "differs" in metric)


# Per task: the fidelity metrics (student vs teacher) and the quality metrics (each model against the
# reference) the findings read, best first; ``*`` matches a rubric id. Exact agreement is a fair
# measure for labels only: free text and JSON are read through judged equivalence, similarity,
# rubric scores and field F1.
FIDELITY: dict[TaskKind, tuple[str, ...]] = {
    TaskKind.CLASSIFICATION: ("agreement_rate",),
    TaskKind.EXTRACTION: ("field_f1_score",),
    TaskKind.GENERATION: ("judge_equivalence_rate", "embedding_similarity_above_threshold_rate"),
}
QUALITY: dict[TaskKind, tuple[str, ...]] = {
    TaskKind.CLASSIFICATION: ("accuracy_score", "reference_match_rate"),
    TaskKind.EXTRACTION: ("field_f1_score",),
    TaskKind.GENERATION: (
        "reference_similarity_above_threshold_rate",
        "reference_similarity_score",
        "judge_*_score",
    ),
}


def overall(metrics: list[MetricValue], name: str, subject: str) -> MetricValue | None:
    """The whole-set value of ``name`` for ``subject`` (None when absent or without a value)."""
    for m in metrics:
        if m.metric == name and m.subject == subject and m.slice_column is None and m.label is None:
            return m if m.value is not None else None
    return None


def matching(metrics: list[MetricValue], patterns: tuple[str, ...], subject: str) -> list[MetricValue]:
    """Whole-set values for ``subject`` whose name matches one of ``patterns``, in pattern order."""
    found: list[MetricValue] = []
    for pattern in patterns:
        for m in metrics:
            if (
                fnmatchcase(m.metric, pattern)
                and m.subject == subject
                and m.slice_column is None
                and m.label is None
                and m.value is not None
                and m not in found
            ):
                found.append(m)
    return found


def value(m: MetricValue) -> float:
    """The value of a metric the lookups found (they return only metrics with a value)."""
    if m.value is None:
        raise ValueError(f"metric {m.metric} has no value")
    return m.value


def gap(better: MetricValue, worse: MetricValue) -> float:
    """How far ``worse`` falls behind ``better`` in the metric's direction: absolute on a 0-1
    scale, relative to ``better`` for scores on a wider one (a 1-5 rubric)."""
    sign = 1.0 if higher_is_better(better.metric) else -1.0
    diff = sign * (value(better) - value(worse))
    scale = max(abs(value(better)), abs(value(worse)))
    return diff / scale if scale > 1.0 else diff


# The run's confidence level, for the sentences' interval labels; set by :func:`findings` while the
# rules run, so the rules keep their (metrics, thresholds) signature.
CONFIDENCE: ContextVar[float] = ContextVar("genjudge_findings_confidence", default=0.95)


def quote(m: MetricValue) -> str:
    """``0.881 (n=395, 95% CI 0.846–0.910)``; judge numbers without validation say so."""
    ci = (
        f", {ci_label(CONFIDENCE.get())} {format_interval(m.ci_low, m.ci_high)}"
        if m.ci_low is not None
        else ""
    )
    mark = "; judge not validated here" if m.validated is False else ""
    return f"{format_number(m.value)} (n={m.n}{ci}{mark})"


def grouped(
    code: str, severity: str, lead: str, cases: list[tuple[float, str]], *, shown: int = 3
) -> Finding:
    """One finding for every case of a pattern: ``lead``, then the largest ``shown`` cases in words,
    and how many more the cases list holds."""
    cases = sorted(cases, key=lambda c: -c[0])
    words = "; ".join(text for _, text in cases[:shown])
    more = f"; and {len(cases) - shown} more (listed in the report)" if len(cases) > shown else ""
    return Finding(
        code=code,
        severity=severity,
        message=f"{lead}: {words}{more}.",
        effect=round(cases[0][0], 6),
        cases=[text for _, text in cases],
    )
