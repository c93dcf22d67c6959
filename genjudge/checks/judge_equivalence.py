"""Judged equivalence: does the student's output mean the same as the teacher's?

The judge is asked in both orders (teacher, student) and (student, teacher). Both agreeing gives
the verdict; disagreeing is position-inconsistent: unscored for the equivalence rate and counted
in ``judge_position_inconsistency_rate`` (share of pairs judged in both orders whose orders
disagree), never hidden. Outputs identical after normalisation are equivalent without a call.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import Field, ValidationInfo, field_validator

from genjudge.checks import register
from genjudge.checks.base import (
    CheckOptions,
    CheckResult,
    MeanMetric,
    MetricSpec,
    RunContext,
    missing_outputs,
    rubric_relative_to_config,
)
from genjudge.records import Family, Status, TaskKind

__all__ = ["JudgeEquivalence"]


class JudgeEquivalenceOptions(CheckOptions):
    rubric: str = "equivalence"
    """Rubric name or path (a label rubric with fields text_a, text_b)."""
    sample: int = Field(0, ge=0)
    """Sample index in the cache key: raise it to draw a fresh verdict at temperature > 0."""

    @field_validator("rubric", mode="before")
    @classmethod
    def _relative_to_config(cls, value: Any, info: ValidationInfo) -> Any:
        return rubric_relative_to_config(value, info)


@register
class JudgeEquivalence:
    """LLM-judged equivalence of student and teacher outputs, in both orders."""

    name: ClassVar[str] = "judge_equivalence"
    tasks: ClassVar[frozenset[TaskKind]] = frozenset({TaskKind.GENERATION, TaskKind.EXTRACTION})
    Options: ClassVar[type[CheckOptions]] = JudgeEquivalenceOptions

    def __init__(self, task: TaskKind, options: JudgeEquivalenceOptions | None = None) -> None:
        self.task = task
        self.options = options or JudgeEquivalenceOptions()

    def judge_calls_per_item(self) -> int:
        """At most two (both orders); identical or missing texts need none. Sizes the progress display."""
        return 2

    def metrics(self) -> list[MetricSpec]:
        from genjudge.judge.rubric import load_rubric

        rubric = load_rubric(self.options.rubric)
        return [
            MeanMetric(
                "judge_equivalence_rate",
                Family.FIDELITY,
                "student_vs_teacher",
                f"{self.name}.equivalent",
                judge_based=True,
                rubric_id=rubric.id,
                rubric_version=str(rubric.version),
                rubric_hash=rubric.content_hash,
            ),
            MeanMetric(
                "judge_position_inconsistency_rate",
                Family.FIDELITY,
                "student_vs_teacher",
                f"{self.name}.position_inconsistent",
                judge_based=True,
                rubric_id=rubric.id,
                rubric_version=str(rubric.version),
                rubric_hash=rubric.content_hash,
            ),
        ]

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        from genjudge.io.canonical import as_text
        from genjudge.judge.rubric import load_rubric
        from genjudge.judge.service import shared_judge, verdict_summary

        n = len(frame)
        rubric = load_rubric(self.options.rubric)
        missing, reasons = missing_outputs(frame, "teacher", "student")
        todo = [i for i in range(n) if not missing[i]]
        judge = shared_judge(ctx)
        pairs = [(as_text(frame["teacher"].iat[i]), as_text(frame["student"].iat[i])) for i in todo]
        verdicts = await judge.equivalence(pairs, rubric=rubric, sample=self.options.sample)

        status = np.full(n, Status.UNSCORED.value, dtype=object)
        reason = reasons.copy()
        cols: dict[str, np.ndarray] = {
            f"{self.name}.equivalent": np.full(n, np.nan),
            f"{self.name}.position_inconsistent": np.full(n, np.nan),
        }
        objs = {k: np.full(n, None, dtype=object) for k in ("label", "label_ab", "label_ba", "rationale")}
        for i, v in zip(todo, verdicts, strict=True):
            status[i], reason[i] = v.status.value, v.reason
            if v.status is Status.OK:
                cols[f"{self.name}.equivalent"][i] = v.value
            both_orders = v.position_inconsistent or (v.status is Status.OK and not v.normalised_identical)
            if both_orders:
                cols[f"{self.name}.position_inconsistent"][i] = float(v.position_inconsistent)
            objs["label"][i], objs["label_ab"][i], objs["label_ba"][i] = v.label, v.label_ab, v.label_ba
            objs["rationale"][i] = v.rationale
        for k, arr in objs.items():
            cols[f"{self.name}.{k}"] = arr

        judged_both = int(np.isfinite(cols[f"{self.name}.position_inconsistent"]).sum())
        inconsistent = sum(v.position_inconsistent for v in verdicts)
        section: dict[str, Any] = {
            "judge": {**judge.model_info(), **rubric.key, "rubric_hash": rubric.content_hash},
            "position_bias": {
                "pairs_judged_in_both_orders": judged_both,
                "position_inconsistent": inconsistent,
                "rate": (inconsistent / judged_both) if judged_both else None,
            },
            "identical_after_normalisation": sum(v.normalised_identical for v in verdicts),
            "this_check": verdict_summary(verdicts),
            "judge_meter": judge.meter.model_dump(),
        }
        notes = []
        if inconsistent:
            notes.append(
                f"The judge gave different verdicts depending on the order of the two texts for "
                f"{inconsistent} of {judged_both} pairs; those are left out of judge_equivalence_rate."
            )
        return CheckResult(columns=cols, status=status, reason=reason, sections=section, notes=notes)
