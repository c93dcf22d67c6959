"""Distribution distance: how far the student's output distribution is from the teacher's.

- classification: from the per-class probabilities of both output files (a class one model does not
  list has probability 0 there); per item KL(teacher || student) in nats, Jensen-Shannon divergence
  (base 2, in [0, 1]), total variation, and whether the top choice differs. KL is computed on
  distributions smoothed by ``genjudge.stats.divergence.SMOOTHING`` (it is infinite where the
  student gives 0 to a class the teacher does not).
- generation and extraction: from the top-k log-probabilities of the generated tokens (what
  ``genjudge generate`` records with ``params: {logprobs: true}``). The next-token distributions are
  comparable only while both models are conditioned on the same prefix, so the positions compared
  are those up to and including the first token where the outputs differ. At each position the
  mass outside the top-k is one "other" bucket on each side; this coarsening can only under-state
  the distances (the data-processing inequality), and the mean missing mass is reported with them.
  ``top_choice_differs_rate`` is then the share of compared positions whose top tokens differ.

Items without probabilities (or log-probabilities) on either side are unscored with the reason.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from genjudge.checks import register
from genjudge.checks.base import CheckOptions, CheckResult, MeanMetric, MetricSpec, RunContext
from genjudge.checks.normalize import normalized_probs
from genjudge.records import Family, Status, TaskKind
from genjudge.stats.divergence import (
    SMOOTHING,
    align_distributions,
    js_divergence,
    kl_divergence,
    token_distance,
    top_choice_differs,
    total_variation,
)

SUBJECT = "student_vs_teacher"
MEASURES = {
    "kl": "kl_divergence",
    "js": "js_divergence",
    "tv": "total_variation_distance",
    "top_differs": "top_choice_differs_rate",
}


@register
class DistributionDistance:
    """KL(teacher || student), Jensen-Shannon, total variation and top-choice differences."""

    name: ClassVar[str] = "distribution_distance"
    tasks: ClassVar[frozenset[TaskKind]] = frozenset(TaskKind)
    Options: ClassVar[type[CheckOptions]] = CheckOptions

    def __init__(self, task: TaskKind, options: CheckOptions | None = None) -> None:
        self.task = task
        self.options = options or CheckOptions()

    def metrics(self) -> list[MetricSpec]:
        return [
            MeanMetric(name, Family.FIDELITY, SUBJECT, f"distribution_distance.{key}")
            for key, name in MEASURES.items()
        ]

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        if self.task is TaskKind.CLASSIFICATION:
            return _from_probs(frame)
        return _from_logprobs(frame)


def _absent_reason(frame: pd.DataFrame, column: str, i: int, what: str) -> str:
    sides = [s for s in ("teacher", "student") if frame[f"{s}_{column}"].iat[i] is None]
    return f"no {what} from the {' and the '.join(sides)}"


def _from_probs(frame: pd.DataFrame) -> CheckResult:
    n = len(frame)
    teacher = [normalized_probs(p) for p in frame["teacher_probs"]]
    student = [normalized_probs(p) for p in frame["student_probs"]]
    labels, p, q, ok = align_distributions(teacher, student)
    columns = {f"distribution_distance.{k}": np.full(n, np.nan) for k in MEASURES}
    if ok.any():
        rows = np.flatnonzero(ok)
        pp, qq = p[rows], q[rows]
        for key, fn in (("kl", kl_divergence), ("js", js_divergence), ("tv", total_variation)):
            columns[f"distribution_distance.{key}"][rows] = fn(pp, qq)
        columns["distribution_distance.top_differs"][rows] = top_choice_differs(pp, qq)
    reasons = np.full(n, None, dtype=object)
    for i in np.flatnonzero(~ok):
        reasons[i] = _absent_reason(frame, "probs", int(i), "probabilities")
    status = np.where(ok, Status.OK.value, Status.UNSCORED.value).astype(object)
    sections = {"source": "per-class probabilities", "classes": labels, "kl_smoothing": SMOOTHING}
    return CheckResult(columns=columns, status=status, reason=reasons, sections=sections)


def _from_logprobs(frame: pd.DataFrame) -> CheckResult:
    n = len(frame)
    columns = {f"distribution_distance.{k}": np.full(n, np.nan) for k in MEASURES}
    reasons = np.full(n, None, dtype=object)
    ok = np.zeros(n, dtype=bool)
    positions: list[int] = []
    missing: list[float] = []
    for i, (t, s) in enumerate(zip(frame["teacher_logprobs"], frame["student_logprobs"], strict=True)):
        if t is None or s is None:
            reasons[i] = _absent_reason(frame, "logprobs", i, "token log-probabilities")
            continue
        d = token_distance(t, s)
        if d is None:
            reasons[i] = "no token position to compare (an empty output)"
            continue
        ok[i] = True
        for key, value in (("kl", d.kl), ("js", d.js), ("tv", d.tv), ("top_differs", d.top_differs)):
            columns[f"distribution_distance.{key}"][i] = value
        positions.append(d.positions)
        missing.append(d.missing_mass)
    status = np.where(ok, Status.OK.value, Status.UNSCORED.value).astype(object)
    sections: dict[str, Any] = {"source": "top-k token log-probabilities", "kl_smoothing": SMOOTHING}
    notes = []
    if positions:
        sections["mean_positions"] = float(np.mean(positions))
        sections["mean_missing_mass"] = float(np.mean(missing))
        notes.append(
            f"Distribution distances compare the next-token distributions over the {np.mean(positions):.1f} "
            "positions (mean per item) where both models saw the same prefix; the mass outside the top-k "
            f"({np.mean(missing):.1%} on average) is one 'other' bucket, so the distances are lower bounds."
        )
    return CheckResult(columns=columns, status=status, reason=reasons, sections=sections, notes=notes)
