"""Declared format rules (regex must / must not match, length bounds, required fields / sections).

Per item and model side: one 0/1 column per rule (``format_rules.<side>.<rule name>``) and
``format_rules.<side>.all_pass`` (1 when every rule passes). The rules are described in
:mod:`genjudge.structure.rules`; an invalid rule raises ConfigError when the check is built.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from genjudge.checks import register
from genjudge.checks.base import (
    CheckOptions,
    CheckResult,
    MeanMetric,
    MetricSpec,
    RunContext,
    summarize_whole,
)
from genjudge.formatting import MISSING
from genjudge.io.canonical import is_absent
from genjudge.records import Family, Status, TaskKind

__all__ = ["FormatRules"]


class FormatRulesOptions(CheckOptions):
    rules: list[dict[str, Any]] = Field(min_length=1)
    """The rules; see genjudge.structure.rules for their keys."""
    sides: tuple[Literal["student", "teacher"], ...] = ("student", "teacher")


@register
class FormatRules:
    """Does each output follow the declared format rules?"""

    name: ClassVar[str] = "format_rules"
    tasks: ClassVar[frozenset[TaskKind]] = frozenset({TaskKind.EXTRACTION, TaskKind.GENERATION})
    Options: ClassVar[type[CheckOptions]] = FormatRulesOptions

    def __init__(self, task: TaskKind, options: FormatRulesOptions | None = None) -> None:
        from genjudge.errors import ConfigError
        from genjudge.structure import compile_rules

        if options is None:
            raise ConfigError("check 'format_rules' needs options: rules")
        self.task = task
        self.options = options
        self.rules = compile_rules(options.rules)

    def metrics(self) -> list[MetricSpec]:
        specs: list[MetricSpec] = []
        for side in self.options.sides:
            specs.append(
                MeanMetric("format_rules_pass_rate", Family.STRUCTURE, side, f"{self.name}.{side}.all_pass")
            )
            for rule in self.rules:
                specs.append(
                    MeanMetric(
                        f"format_rule_{rule.name}_pass_rate",
                        Family.STRUCTURE,
                        side,
                        f"{self.name}.{side}.{rule.name}",
                    )
                )
        return specs

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        return self.summarize(frame, self.score_rows(frame, ctx), ctx)

    def prepare(self, frame: pd.DataFrame) -> FormatRules:
        """Nothing to learn from the whole set: every output is checked on its own."""
        return self

    def score_rows(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        """Per-rule columns of these rows; each failure's sentence (with the item's id) as work."""
        n = len(frame)
        columns: dict[str, np.ndarray] = {}
        work: dict[str, np.ndarray] = {}
        present = np.zeros(n, dtype=bool)
        for side in self.options.sides:
            outputs = frame[side].tolist() if side in frame else [None] * n
            all_pass = np.full(n, np.nan)
            per_rule = {r.name: np.full(n, np.nan) for r in self.rules}
            why = {r.name: np.full(n, None, dtype=object) for r in self.rules}
            for i, output in enumerate(outputs):
                if is_absent(output):
                    continue
                present[i] = True
                ok = True
                for rule in self.rules:
                    outcome = rule.apply(output)
                    per_rule[rule.name][i] = float(outcome.passed)
                    if not outcome.passed:
                        ok = False
                        why[rule.name][i] = f"{frame['id'].iloc[i]}: {outcome.reason}"
                all_pass[i] = float(ok)
            columns[f"{self.name}.{side}.all_pass"] = all_pass
            for rule_name, values in per_rule.items():
                columns[f"{self.name}.{side}.{rule_name}"] = values
                work[f"{side}.{rule_name}"] = why[rule_name]
        status = np.where(present, Status.OK.value, Status.UNSCORED.value).astype(object)
        reason = np.full(n, None, dtype=object)
        reason[~present] = "no output on any side"
        return CheckResult(columns=columns, status=status, reason=reason, work=work)

    def summarize(self, frame: pd.DataFrame, rows: CheckResult, ctx: RunContext) -> CheckResult:
        """How often each rule failed, with its first failure, over every row."""
        return summarize_whole(self, frame, rows, ctx)

    def chunked_summary(self) -> _RuleFailures:
        """The rule failures, a part at a time (a streamed run)."""
        return _RuleFailures(self)


class _RuleFailures:
    """Per side and rule: items failed, items scored and the first failure, a part at a time."""

    def __init__(self, check: FormatRules) -> None:
        self.check = check
        self.scored = dict.fromkeys(check.options.sides, 0)
        self.failed = {(side, r.name): 0 for side in check.options.sides for r in check.rules}
        self.first: dict[tuple[str, str], Any] = {}

    def add(self, frame: pd.DataFrame, rows: CheckResult) -> None:
        name = self.check.name
        for side in self.check.options.sides:
            self.scored[side] += int(np.isfinite(rows.columns[f"{name}.{side}.all_pass"]).sum())
            for r in self.check.rules:
                failed = np.flatnonzero(rows.columns[f"{name}.{side}.{r.name}"] == 0.0)
                self.failed[side, r.name] += len(failed)
                if len(failed) and (side, r.name) not in self.first:
                    self.first[side, r.name] = rows.work[f"{side}.{r.name}"][failed[0]]

    def result(self, ctx: RunContext) -> tuple[dict[str, Any], list[str]]:
        rows = [
            [side, rule, failed, self.scored[side], self.first.get((side, rule)) or MISSING]
            for (side, rule), failed in self.failed.items()
        ]
        table = {
            "title": "Format rule failures",
            "header": ["side", "rule", "failed", "scored", "first failure"],
            "rows": rows,
        }
        return {"rule_failures": table}, []
