"""Calibration: is a model's confidence honest? From the per-class probabilities of the output rows
(classification), or from a stated ``confidence`` that the output is right (generation, extraction:
the two-class distribution over wrong / right, right meaning the output matches the reference as
``exact_match`` compares them).

Per item and model: the top-label confidence (the largest probability) and whether that label is
the reference (ties: the first label in sorted order), the multiclass Brier score and the negative
log-likelihood of the reference label. Per slice the aggregation layer computes the expected
calibration error (equal-width and equal-mass bins, ``bins`` of them), the maximum calibration
error, and the means of Brier and NLL, each with its interval. The report section holds the
reliability diagram's data (per bin: count, mean confidence, accuracy) and a temperature fitted by
cross-validation (each item rescaled by the temperature fitted on the other folds: the ECE after is
never measured on the items the temperature was fitted on), offered as the recalibration to apply.

A label the reference names but a model's probabilities do not is a probability of 0 for that model
(the NLL clips it at 1e-15). Items without probabilities from either model are unscored; an item
without a reference has no values (like ``exact_match``, it is counted in ``n_without_reference``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import Field

from genjudge.checks import register
from genjudge.checks.base import (
    CalibrationMetrics,
    CheckOptions,
    CheckResult,
    MeanMetric,
    MetricSpec,
    RunContext,
)
from genjudge.checks.exact_match import reference_match
from genjudge.checks.normalize import normalize_label, normalized_probs
from genjudge.io.canonical import is_absent
from genjudge.records import Family, Status, TaskKind
from genjudge.stats import DegenerateInputError
from genjudge.stats.calibration import (
    binary_probs,
    brier_per_item,
    cross_validated_temperature,
    nll_per_item,
    reliability_bins,
    top_label,
)

SIDES = ("student", "teacher")


class CalibrationOptions(CheckOptions):
    bins: int = Field(10, ge=2, le=100)
    """Bins of the reliability diagram and of the ECE (equal width; the equal-mass ECE uses as many)."""
    folds: int = Field(5, ge=2, le=20)
    """Cross-validation folds of the temperature fit."""


@register
class Calibration:
    """ECE (equal-width and equal-mass), MCE, Brier, NLL; reliability diagram; fitted temperature."""

    name: ClassVar[str] = "calibration"
    tasks: ClassVar[frozenset[TaskKind]] = frozenset(TaskKind)
    Options: ClassVar[type[CheckOptions]] = CalibrationOptions

    def __init__(self, task: TaskKind, options: CheckOptions | None = None) -> None:
        self.task = task
        self.options = options if isinstance(options, CalibrationOptions) else CalibrationOptions()

    def metrics(self) -> list[MetricSpec]:
        specs: list[MetricSpec] = []
        for side in SIDES:
            specs += [
                CalibrationMetrics(
                    Family.QUALITY,
                    side,
                    f"calibration.{side}.confidence",
                    f"calibration.{side}.correct",
                    self.options.bins,
                ),
                MeanMetric("brier_score_loss", Family.QUALITY, side, f"calibration.{side}.brier"),
                MeanMetric("log_loss", Family.QUALITY, side, f"calibration.{side}.nll"),
            ]
        return specs

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        n = len(frame)
        columns: dict[str, np.ndarray] = {}
        scored = np.zeros(n, dtype=bool)
        sections: dict[str, Any] = {"bins": self.options.bins, "reliability": {}, "temperature": {}}
        notes: list[str] = []
        for side in SIDES:
            has, rows, matrix, y = self._distributions(frame, side)
            values = {k: np.full(n, np.nan) for k in ("confidence", "correct", "brier", "nll")}
            if len(rows):
                confidence, correct = top_label(matrix, y)
                values["confidence"][rows], values["correct"][rows] = confidence, correct
                values["brier"][rows], values["nll"][rows] = (
                    brier_per_item(matrix, y),
                    nll_per_item(matrix, y),
                )
                sections["reliability"][side] = [
                    {**bin_.__dict__}
                    for bin_ in reliability_bins(confidence, correct, n_bins=self.options.bins)
                ]
                try:
                    fit = cross_validated_temperature(
                        matrix, y, folds=self.options.folds, seed=ctx.seed, n_bins=self.options.bins
                    )
                    sections["temperature"][side] = dict(fit.__dict__)
                except DegenerateInputError as exc:
                    notes.append(f"no temperature fitted for the {side}: {exc}")
            for key, value in values.items():
                columns[f"calibration.{side}.{key}"] = value
            scored |= has
        # Like exact_match: an item without a reference is scored (its values NaN), and counted apart.
        sections["n_without_reference"] = int(frame["reference"].isna().sum())
        what = "probabilities" if self.task is TaskKind.CLASSIFICATION else "confidence"
        reasons = np.full(n, None, dtype=object)
        reasons[~scored] = f"no {what} from the teacher and the student"
        status = np.where(scored, Status.OK.value, Status.UNSCORED.value).astype(object)
        return CheckResult(columns=columns, status=status, reason=reasons, sections=sections, notes=notes)

    def _distributions(
        self, frame: pd.DataFrame, side: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(has a confidence, rows with a reference too, their class probabilities, true classes).

        Classification: the per-class probabilities over the labels seen. Other tasks: a scalar
        confidence ``c`` is the two-class distribution ``[1 - c, c]`` over (wrong, right), right
        meaning the output matches the reference as ``exact_match`` compares them.
        """
        if self.task is TaskKind.CLASSIFICATION:
            reference = [None if is_absent(v) else normalize_label(v) for v in frame["reference"]]
            probs = [normalized_probs(p) for p in frame[f"{side}_probs"]]
            has = np.array([p is not None for p in probs])
            rows = np.flatnonzero(has & np.array([r is not None for r in reference]))
            known = [(probs[i] or {}, reference[i] or "") for i in rows]
            labels = sorted({k for p, _ in known for k in p} | {r for _, r in known})
            matrix = np.array([[p.get(label, 0.0) for label in labels] for p, _ in known]).reshape(
                len(rows), -1
            )
            return has, rows, matrix, np.array([labels.index(r) for _, r in known], dtype=int)
        confidence = frame[f"{side}_confidence"].to_numpy(dtype=float)
        right = reference_match(frame, side, self.task)
        has = np.isfinite(confidence)
        rows = np.flatnonzero(has & np.isfinite(right))
        matrix = binary_probs(confidence[rows]) if len(rows) else np.zeros((0, 2))
        return has, rows, matrix, right[rows].astype(int)
