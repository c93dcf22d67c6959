"""Findings on the judge: judge-based numbers that are not evidence on this set."""

from __future__ import annotations

from collections.abc import Iterable

from genjudge.config import FindingThresholds
from genjudge.findings._common import Finding
from genjudge.records import MetricValue


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
