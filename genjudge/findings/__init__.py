"""The report's sentences: what the numbers mean, in words; few, ranked and true.

Each rule reads the aggregated metrics (and the operations summary) and returns zero or more
findings. A rule whose pattern has many cases (slices, metrics) returns one finding that names the
largest and lists every case in ``Finding.cases``; a pattern is worded only when its premise holds.
:func:`findings` ranks them: severity first (critical, warning, info), then the size of the effect.

- :mod:`genjudge.findings.gaps`: teacher ceiling, distillation gap, structure drift, lost classes,
  each read from the task's own metrics (field F1 for extraction; judged equivalence, similarity
  and rubric scores for generation; exact agreement for labels only);
- :mod:`genjudge.findings.slices`: weak slices (critical, hard for both, or the student's own) and
  slices too small to trust;
- :mod:`genjudge.findings.judge`: judge numbers that are not evidence on this set;
- :mod:`genjudge.findings.operations`: missing cost / latency, and savings on one but not the other;
- :mod:`genjudge.findings.calibration`: good accuracy but poor calibration (recalibrate, with the
  fitted temperature), and teacher and student generated under different settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from genjudge.config import FindingThresholds
from genjudge.findings._common import CONFIDENCE, SEVERITIES, Finding, higher_is_better
from genjudge.findings.calibration import harness_mismatch, poor_calibration
from genjudge.findings.gaps import fidelity_quality_gap, lost_classes, structure_drift
from genjudge.findings.judge import unvalidated_judge
from genjudge.findings.operations import operations_findings
from genjudge.findings.slices import sample_size, small_slices, weak_slices
from genjudge.records import MetricValue, TaskKind

__all__ = ["Finding", "findings", "higher_is_better", "rank"]

Rule = Callable[[list[MetricValue], FindingThresholds], Iterable[Finding]]


def rank(found: list[Finding]) -> list[Finding]:
    """Most severe first; within a severity, the largest effect first; otherwise in rule order."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(
        found,
        key=lambda f: (order.get(f.severity, len(order)), -(f.effect if f.effect is not None else -1.0)),
    )


def findings(
    metrics: list[MetricValue],
    thresholds: FindingThresholds,
    *,
    task: TaskKind | None = None,
    confidence: float = 0.95,
    operations: dict[str, Any] | bool | None = False,
    calibration: dict[str, Any] | None = None,
    harness_differences: list[str] | None = None,
) -> list[Finding]:
    """All findings of all rules, ranked (:func:`rank`).

    ``confidence`` is the level the metrics' intervals were computed at; the sentences name it.
    ``operations`` is the run's operations summary (None when the outputs carry none); leave it
    out (False) to skip the operations rules. ``calibration`` is the calibration check's section
    (its fitted temperatures); ``harness_differences`` the settings teacher and student were
    generated under that differ (:func:`genjudge.harness.harness_summary`).
    """
    rules: list[Rule] = [
        unvalidated_judge,
        partial(fidelity_quality_gap, task=task or TaskKind.CLASSIFICATION),
        structure_drift,
        weak_slices,
        lost_classes,
        small_slices,
        sample_size,
    ]
    token = CONFIDENCE.set(confidence)
    try:
        found = [f for rule in rules for f in rule(metrics, thresholds)]
        found += poor_calibration(metrics, thresholds, calibration)
    finally:
        CONFIDENCE.reset(token)
    if operations is not False:
        found += operations_findings(operations if isinstance(operations, dict) else None, thresholds)
    found += harness_mismatch(harness_differences or [])
    return rank(found)
