"""Classification metrics from labels: per-class and macro precision / recall / F1, and the
label-flip matrix (teacher label x student label).

The per-item columns are the normalised labels; the aggregation layer computes the confusion-based
metrics per slice with exact multinomial bootstrap intervals.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from genjudge.checks import register
from genjudge.checks.base import (
    CheckOptions,
    CheckResult,
    ConfusionMetrics,
    MetricSpec,
    RunContext,
    missing_outputs,
)
from genjudge.checks.normalize import normalize_label
from genjudge.io.canonical import is_absent
from genjudge.records import Family, Status, TaskKind


@register
class LabelMetrics:
    """Precision / recall / F1 per class and macro, for student and teacher; the flip matrix."""

    name: ClassVar[str] = "label_metrics"
    tasks: ClassVar[frozenset[TaskKind]] = frozenset({TaskKind.CLASSIFICATION})
    Options: ClassVar[type[CheckOptions]] = CheckOptions

    def __init__(self, task: TaskKind, options: CheckOptions | None = None) -> None:
        self.task = task
        self.options = options or CheckOptions()

    def metrics(self) -> list[MetricSpec]:
        return [
            ConfusionMetrics(Family.QUALITY, "student", "label_metrics.reference", "label_metrics.student"),
            ConfusionMetrics(Family.QUALITY, "teacher", "label_metrics.reference", "label_metrics.teacher"),
        ]

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        labels = {side: _labels(frame[side]) for side in ("teacher", "student", "reference")}
        missing, reasons = missing_outputs(frame, "student", "teacher")
        status = np.where(missing, Status.UNSCORED.value, Status.OK.value).astype(object)
        return CheckResult(
            columns={f"label_metrics.{side}": values for side, values in labels.items()},
            status=status,
            reason=reasons,
            sections={"flip_matrix": flip_matrix(labels["teacher"], labels["student"])},
        )


def _labels(column: pd.Series) -> np.ndarray:
    return np.array([None if is_absent(v) else normalize_label(v) for v in column.to_numpy()], dtype=object)


def flip_matrix(teacher: np.ndarray, student: np.ndarray) -> dict[str, object]:
    """Counts of (teacher label, student label) over items with both labels.

    Returns ``{"labels": [...], "counts": [[...]], "n": int, "flips": int}`` with rows for the
    teacher's label and columns for the student's; ``flips`` is the off-diagonal total.
    """
    both = (teacher != None) & (student != None)  # noqa: E711
    t, s = teacher[both].astype(str), student[both].astype(str)
    labels = sorted(set(t) | set(s))
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    if len(t):
        np.add.at(counts, ([index[x] for x in t], [index[x] for x in s]), 1)
    return {
        "labels": labels,
        "counts": counts.tolist(),
        "n": int(both.sum()),
        "flips": int(counts.sum() - np.trace(counts)),
    }
