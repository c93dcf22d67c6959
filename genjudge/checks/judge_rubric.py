"""Rubric scores from the LLM judge: faithfulness, coverage, fluency (generation) and
per-field correctness (extraction), for the student and the teacher.

Each (rubric, subject) gives one column ``judge_rubric.<rubric>.<subject>`` and one metric
``judge_<rubric>_score``; a verdict that is not ok leaves NaN there (never a score) and makes the
row's status the worst of its verdicts, with the first reason. For ``extraction_field`` every
field of the output dict is judged apart, and the row's value is the share of fields judged
correct (NaN when any field could not be judged).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import AliasChoices, Field, ValidationInfo, field_validator

from genjudge.checks import register
from genjudge.checks.base import (
    CheckOptions,
    CheckResult,
    MeanMetric,
    MetricSpec,
    RunContext,
    rubric_relative_to_config,
)
from genjudge.records import Family, Status, TaskKind

__all__ = ["JudgeRubric"]

_DEFAULT = {
    TaskKind.GENERATION: ["faithfulness", "coverage", "fluency"],
    TaskKind.EXTRACTION: ["extraction_field"],
}
_RANK = {Status.OK.value: 0, Status.UNSCORED.value: 1, Status.ERROR.value: 2}


_BOTH_SIDES: tuple[Literal["student", "teacher"], ...] = ("student", "teacher")


class JudgeRubricOptions(CheckOptions):
    rubrics: list[str] | None = None
    """Rubric names or paths; None = faithfulness, coverage, fluency (generation) or
    extraction_field (extraction)."""
    sides: list[Literal["student", "teacher"]] = Field(
        default_factory=lambda: list(_BOTH_SIDES), validation_alias=AliasChoices("sides", "subjects")
    )
    """The outputs to judge (``sides``, as in json_structure and format_rules; ``subjects`` is the old
    spelling, still accepted)."""
    sample: int = Field(0, ge=0)

    @field_validator("rubrics", mode="before")
    @classmethod
    def _relative_to_config(cls, value: Any, info: ValidationInfo) -> Any:
        return rubric_relative_to_config(value, info)


def _metric_name(rubric_id: str) -> str:
    return f"judge_{rubric_id}_score"


@register
class JudgeRubric:
    """Judge-scored rubrics for each model's output against the source or the reference."""

    name: ClassVar[str] = "judge_rubric"
    tasks: ClassVar[frozenset[TaskKind]] = frozenset({TaskKind.GENERATION, TaskKind.EXTRACTION})
    Options: ClassVar[type[CheckOptions]] = JudgeRubricOptions

    def __init__(self, task: TaskKind, options: JudgeRubricOptions | None = None) -> None:
        self.task = task
        self.options = options or JudgeRubricOptions()
        self.rubric_names = list(self.options.rubrics or _DEFAULT[task])

    def _rubrics(self) -> list[Any]:
        from genjudge.judge.rubric import load_rubric

        return [load_rubric(r) for r in self.rubric_names]

    def judge_calls_per_item(self) -> int:
        """One call per rubric and subject. Sizes the progress display."""
        return len(self.rubric_names) * len(self.options.sides)

    def metrics(self) -> list[MetricSpec]:

        return [
            MeanMetric(
                _metric_name(r.id),
                Family.QUALITY,
                subject,
                f"{self.name}.{r.id}.{subject}",
                judge_based=True,
                rubric_id=r.id,
                rubric_version=str(r.version),
                rubric_hash=r.content_hash,
            )
            for r in self._rubrics()
            for subject in self.options.sides
        ]

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        import asyncio

        from genjudge.judge.service import shared_judge, verdict_summary

        n = len(frame)
        judge = shared_judge(ctx)
        status = np.full(n, Status.OK.value, dtype=object)
        reason = np.full(n, None, dtype=object)
        cols: dict[str, np.ndarray] = {}
        jobs = []
        for rubric in self._rubrics():
            for subject in self.options.sides:
                jobs.append((rubric, subject))
        results = await asyncio.gather(*(self._grade(judge, frame, r, s) for r, s in jobs))
        summary: dict[str, Any] = {}
        for (rubric, subject), (values, st, rs, rationale, verdicts) in zip(jobs, results, strict=True):
            cols[f"{self.name}.{rubric.id}.{subject}"] = values
            cols[f"{self.name}.{rubric.id}.{subject}.rationale"] = rationale
            for i in range(n):
                if _RANK[st[i]] > _RANK[status[i]]:
                    status[i], reason[i] = st[i], f"{rubric.id} ({subject}): {rs[i]}"
            summary[f"{rubric.id}.{subject}"] = {
                **rubric.key,
                "rubric_hash": rubric.content_hash,
                **verdict_summary(verdicts),
            }
        sections = {"judge": judge.model_info(), "rubrics": summary, "judge_meter": judge.meter.model_dump()}
        return CheckResult(columns=cols, status=status, reason=reason, sections=sections)

    async def _grade(
        self, judge: Any, frame: pd.DataFrame, rubric: Any, subject: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[Any]]:
        from genjudge.io.canonical import as_text

        n = len(frame)
        values = np.full(n, np.nan)
        st = np.full(n, Status.OK.value, dtype=object)
        rs = np.full(n, None, dtype=object)
        rationale = np.full(n, None, dtype=object)

        def col(name: str) -> list[Any]:
            return frame[name].tolist() if name in frame else [None] * n

        sources, refs, outs = col("input"), col("reference"), col(subject)
        if rubric.id == "extraction_field" or set(rubric.fields) == {"source", "field", "value"}:
            items, owner = [], []
            for i in range(n):
                out = outs[i]
                if out is None:
                    st[i], rs[i] = Status.UNSCORED.value, f"missing {subject} output"
                    continue
                if not isinstance(out, dict):
                    st[i], rs[i] = Status.UNSCORED.value, "output is not a JSON object"
                    continue
                if not out:
                    st[i], rs[i] = (
                        Status.UNSCORED.value,
                        "output is an empty JSON object (no fields to judge)",
                    )
                    continue
                for field, value in out.items():
                    text = "null" if value is None else as_text(value)  # "" stays "", not null
                    items.append({"source": as_text(sources[i]), "field": field, "value": text})
                    owner.append(i)
            verdicts = await judge.grade(rubric, items, sample=self.options.sample)
            per_row: dict[int, list[Any]] = {}
            for i, v in zip(owner, verdicts, strict=True):
                per_row.setdefault(i, []).append(v)
            for i, vs in per_row.items():
                bad = [v for v in vs if v.status is not Status.OK]
                if bad:
                    worst = max(bad, key=lambda v: _RANK[v.status.value])
                    st[i], rs[i] = worst.status.value, f"{len(bad)} of {len(vs)} fields: {worst.reason}"
                else:
                    values[i] = float(np.mean([v.value for v in vs]))
                rationale[i] = {v_field: v.rationale for v_field, v in zip(outs[i], vs, strict=False)}
            return values, st, rs, rationale, verdicts
        items = [
            {"source": as_text(sources[i]), "reference": as_text(refs[i]), "output": as_text(outs[i])}
            for i in range(n)
        ]
        verdicts = await judge.grade(rubric, items, sample=self.options.sample)
        for i, v in enumerate(verdicts):
            st[i], rs[i], rationale[i] = v.status.value, v.reason, v.rationale
            if v.status is Status.OK:
                values[i] = v.value
        return values, st, rs, rationale, verdicts
