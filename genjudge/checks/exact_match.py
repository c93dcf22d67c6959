"""Exact agreement: student against teacher (fidelity) and each model against the reference.

What "the same" means depends on the task: the label for classification, the normalised text
(NFKC, case-folded, whitespace collapsed) for generation, canonical JSON for extraction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from genjudge.checks import register
from genjudge.checks.base import (
    CheckOptions,
    CheckResult,
    MeanMetric,
    MetricSpec,
    RunContext,
    missing_outputs,
    summarize_whole,
)
from genjudge.checks.normalize import NotJSON, canonical_output, normalize_label, normalize_text
from genjudge.io.canonical import is_absent
from genjudge.records import Family, Status, TaskKind

_NORMALIZERS: dict[TaskKind, Callable[[Any], str]] = {
    TaskKind.CLASSIFICATION: normalize_label,
    TaskKind.GENERATION: normalize_text,
    TaskKind.EXTRACTION: canonical_output,
}


@register
class ExactMatch:
    """Agreement rate with the teacher; match rate (accuracy for labels) against the reference."""

    name: ClassVar[str] = "exact_match"
    tasks: ClassVar[frozenset[TaskKind]] = frozenset(TaskKind)
    Options: ClassVar[type[CheckOptions]] = CheckOptions

    def __init__(self, task: TaskKind, options: CheckOptions | None = None) -> None:
        self.task = task
        self.options = options or CheckOptions()

    def metrics(self) -> list[MetricSpec]:
        quality = "accuracy_score" if self.task is TaskKind.CLASSIFICATION else "reference_match_rate"
        return [
            MeanMetric("agreement_rate", Family.FIDELITY, "student_vs_teacher", "exact_match.agree"),
            MeanMetric(quality, Family.QUALITY, "student", "exact_match.student_correct"),
            MeanMetric(quality, Family.QUALITY, "teacher", "exact_match.teacher_correct"),
        ]

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        return self.summarize(frame, self.score_rows(frame, ctx), ctx)

    def prepare(self, frame: pd.DataFrame) -> ExactMatch:
        """Nothing to learn from the whole set: every item is compared on its own."""
        return self

    def summarize(self, frame: pd.DataFrame, rows: CheckResult, ctx: RunContext) -> CheckResult:
        """The per-item rows plus how many items have no reference."""
        return summarize_whole(self, frame, rows, ctx)

    def chunked_summary(self) -> _WithoutReference:
        """How many items have no reference, a part at a time (a streamed run)."""
        return _WithoutReference()

    def score_rows(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        """Agreement and correctness of these rows."""
        normalize = _NORMALIZERS[self.task]
        keys: dict[str, np.ndarray] = {}
        invalid: dict[str, np.ndarray] = {}
        for side in ("teacher", "student", "reference"):
            keys[side], invalid[side] = _normalize_column(frame[side], normalize, side)
        agree = _equal(keys["student"], keys["teacher"])
        student_ok = _equal(keys["student"], keys["reference"])
        teacher_ok = _equal(keys["teacher"], keys["reference"])

        missing, reasons = missing_outputs(frame, "student", "teacher")
        status = np.where(missing, Status.UNSCORED.value, Status.OK.value).astype(object)
        for side in ("student", "teacher"):
            bad = (invalid[side] != None) & ~missing  # noqa: E711 (elementwise on object arrays)
            status[bad] = Status.UNSCORED.value
            reasons[bad] = invalid[side][bad]
            missing |= bad
        return CheckResult(
            columns={
                "exact_match.agree": agree,
                "exact_match.student_correct": student_ok,
                "exact_match.teacher_correct": teacher_ok,
            },
            status=status,
            reason=reasons,
        )


def reference_match(frame: pd.DataFrame, side: str, task: TaskKind) -> np.ndarray:
    """1.0 where ``side``'s output matches the reference as this check compares them for ``task``,
    0.0 where it does not, NaN where either is absent (or an extraction output is not JSON)."""
    normalize = _NORMALIZERS[task]
    ours, _ = _normalize_column(frame[side], normalize, side)
    reference, _ = _normalize_column(frame["reference"], normalize, "reference")
    return _equal(ours, reference)


def _normalize_column(
    column: pd.Series, normalize: Callable[[Any], str], side: str
) -> tuple[np.ndarray, np.ndarray]:
    """Normalised keys (None where absent or invalid) and the reason for each invalid value."""
    keys = np.full(len(column), None, dtype=object)
    invalid = np.full(len(column), None, dtype=object)
    for i, value in enumerate(column.to_numpy()):
        if is_absent(value):
            continue
        try:
            keys[i] = normalize(value)
        except NotJSON as exc:
            invalid[i] = f"{side} output {exc}"
    return keys, invalid


def _equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1.0 where equal, 0.0 where different, NaN where either side is absent."""
    present = (a != None) & (b != None)  # noqa: E711
    out = np.full(len(a), np.nan)
    out[present] = (a[present] == b[present]).astype(float)
    return out


class _WithoutReference:
    """How many items have no reference (no section for an empty set), a part at a time."""

    def __init__(self) -> None:
        self.items = 0
        self.without = 0

    def add(self, frame: pd.DataFrame, rows: CheckResult) -> None:
        self.items += len(frame)
        self.without += int(frame["reference"].isna().sum())

    def result(self, ctx: RunContext) -> tuple[dict[str, Any], list[str]]:
        return ({"n_without_reference": self.without} if self.items else {}), []
