"""A run held against a policy, cell by cell (metric × slice): pass, fail or skip, and why.

A cell's number is the run's own (value, interval, n). A regression is read from the paired
comparison with the baseline run (B − A over the items scored in both, :mod:`genjudge.comparison`),
never from two independent intervals.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from genjudge.comparison.runs import StoredRun
from genjudge.comparison.table import Row
from genjudge.errors import ConfigError
from genjudge.findings import higher_is_better
from genjudge.formatting import format_number
from genjudge.gating.policy import Decide, GatePolicy, JudgeNumbers, Rule, TooSmall


class CellOutcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Cell:
    """One metric on one slice under one rule, and the decision."""

    rule: str
    metric: str
    subject: str
    slice_column: str | None
    slice_value: str | None
    critical: bool
    n: int
    value: float | None
    ci_low: float | None
    ci_high: float | None
    outcome: CellOutcome
    reasons: list[str] = field(default_factory=list)
    """Why: one sentence per limit checked (for a pass too), with the numbers and the bound used."""
    baseline: float | None = None
    diff: float | None = None
    diff_low: float | None = None
    diff_high: float | None = None

    @property
    def where(self) -> str:
        return "all items" if self.slice_column is None else f"{self.slice_column}={self.slice_value}"

    @property
    def name(self) -> str:
        return f"{self.subject}.{self.metric} on {self.where}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "outcome": self.outcome.value, "where": self.where}


@dataclass(frozen=True)
class GateResult:
    """The decision over every cell: failed when any cell failed (or the run itself failed)."""

    run_id: str
    baseline_id: str | None
    policy: GatePolicy
    cells: list[Cell]
    confidence: float
    problems: list[str] = field(default_factory=list)
    """Reasons the gate fails besides its cells (the run could not do its job)."""
    notes: list[str] = field(default_factory=list)
    """What the decision did not cover (e.g. no baseline to check regressions against)."""

    @property
    def passed(self) -> bool:
        return not self.problems and all(c.outcome is not CellOutcome.FAIL for c in self.cells)

    def count(self, outcome: CellOutcome) -> int:
        return sum(c.outcome is outcome for c in self.cells)

    def as_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "run_id": self.run_id,
            "baseline_id": self.baseline_id,
            "confidence": self.confidence,
            "policy": self.policy.model_dump(mode="json"),
            "problems": self.problems,
            "notes": self.notes,
            "cells": [c.as_dict() for c in self.cells],
        }


def _selected(rule: Rule, m: dict[str, Any]) -> bool:
    """Whether the rule's ``slices`` list takes the metric value ``m``'s cell."""
    column, value = m["slice_column"], m["slice_value"]
    for target in rule.slices:
        if target == "overall" and column is None:
            return True
        if column is None:
            continue
        if target == "all" or (target == "critical" and m.get("critical")):
            return True
        col, _, val = target.partition("=")
        if col == column and (not val or val == value):
            return True
    return False


def _named(rule: Rule, m: dict[str, Any]) -> bool:
    """The cell is one the policy insists on: critical, or named by its column."""
    return bool(m.get("critical")) or any(
        t.partition("=")[0] == m["slice_column"]
        for t in rule.slices
        if t not in ("overall", "critical", "all")
    )


def _bound(
    decide: Decide, low: float | None, high: float | None, point: float, good_high: bool
) -> tuple[float, str]:
    """The number a limit is held against: the point, or the interval's lenient / strict end."""
    if decide is Decide.POINT or low is None or high is None:
        return point, "point estimate"
    lenient = decide is Decide.INTERVAL
    take_high = lenient == good_high
    return (high, "upper bound") if take_high else (low, "lower bound")


def _judge_blocked(m: dict[str, Any], allowed: JudgeNumbers) -> str | None:
    status = m.get("validation")
    if status is None or allowed is JudgeNumbers.ANY or status == "validated":
        return None
    if status == "validated elsewhere" and allowed is JudgeNumbers.VALIDATED_ELSEWHERE:
        return None
    return f"its judge is {status} on this set, and the policy counts only {allowed.value.replace('_', ' ')} judge numbers"


def _cell(
    rule: Rule, policy: GatePolicy, m: dict[str, Any], pair: Row | None, ci_words: str, has_baseline: bool
) -> Cell:
    decide = rule.decide_on or policy.decide_on
    support = rule.min_support or policy.min_support
    base = {
        "rule": rule.name, "metric": m["metric"], "subject": m["subject"], "slice_column": m["slice_column"],
        "slice_value": m["slice_value"], "critical": bool(m.get("critical")), "n": m["n"], "value": m["value"],
        "ci_low": m["ci_low"], "ci_high": m["ci_high"],
    }  # fmt: skip
    if pair is not None:
        base |= {"baseline": pair.a, "diff": pair.diff, "diff_low": pair.ci_low, "diff_high": pair.ci_high}
    if m["value"] is None:
        return Cell(**base, outcome=CellOutcome.SKIP, reasons=["no scored item"])
    if m["n"] < support:
        fail = policy.too_small is TooSmall.FAIL and _named(rule, m)
        why = f"n={m['n']} is under the minimum support {support}: too few items to tell"
        return Cell(**base, outcome=CellOutcome.FAIL if fail else CellOutcome.SKIP, reasons=[why])
    if (blocked := _judge_blocked(m, policy.judge_numbers)) is not None:
        return Cell(**base, outcome=CellOutcome.FAIL, reasons=[f"cannot count: {blocked}"])
    good_high = higher_is_better(m["metric"])
    reasons: list[str] = []
    failed = False
    for limit, needs_high in ((rule.floor, True), (rule.ceiling, False)):
        if limit is None:
            continue
        x, used = _bound(decide, m["ci_low"], m["ci_high"], m["value"], needs_high)
        ok = x >= limit if needs_high else x <= limit
        failed |= not ok
        ci = (
            f" ({ci_words} {format_number(m['ci_low'])}–{format_number(m['ci_high'])})"
            if m["ci_low"] is not None
            else ""
        )
        word = "floor" if needs_high else "ceiling"
        by = "" if ok else f" by {abs(x - limit):.3f}"
        reasons.append(
            f"{format_number(m['value'])}{ci}: {used} {format_number(x)} "
            f"{'meets' if ok else 'misses'} the {word} {format_number(limit)}{by}"
        )
    if rule.max_regression is not None and pair is not None and pair.diff is not None:
        allowed = -rule.max_regression if good_high else rule.max_regression
        x, used = _bound(decide, pair.ci_low, pair.ci_high, pair.diff, good_high)
        ok = x >= allowed if good_high else x <= allowed
        failed |= not ok
        ci = f" ({ci_words} {pair.ci_low:+.3f} to {pair.ci_high:+.3f})" if pair.ci_low is not None else ""
        reasons.append(
            f"against the baseline {format_number(pair.a)} → {format_number(pair.b)}, change {pair.diff:+.3f}{ci} "
            f"over {pair.n} paired items: {used} {x:+.3f} {'within' if ok else 'beyond'} the allowed regression "
            f"{rule.max_regression:g}{'' if ok else f' by {abs(x - allowed):.3f}'}"
        )
    if rule.max_regression is not None and (pair is None or pair.diff is None):
        why = (
            "no item of this cell scored in both runs, or the metric is not a mean of per-item values "
            "(macro and per-class metrics are compared in each run's report, not item by item)"
            if has_baseline
            else "no baseline run"
        )
        reasons.append(f"max_regression not checked: {why}")
        if rule.floor is None and rule.ceiling is None:
            return Cell(**base, outcome=CellOutcome.SKIP, reasons=reasons)
    return Cell(**base, outcome=CellOutcome.FAIL if failed else CellOutcome.PASS, reasons=reasons)


def evaluate_gate(
    policy: GatePolicy, run: StoredRun, baseline: StoredRun | None = None, pairs: list[Row] | None = None
) -> GateResult:
    """Every cell every rule selects, decided. ``pairs`` is the comparison with ``baseline``."""
    from genjudge.formatting import ci_label

    notes = []
    if policy.needs_baseline and baseline is None:
        notes.append("no baseline run: the max_regression limits were not checked")
    metrics = [m for m in run.report["metrics"] if m.get("label") is None]
    by_key = {(r.metric, r.subject, r.slice_column, r.slice_value): r for r in pairs or []}
    cells: list[Cell] = []
    for i, rule in enumerate(policy.rules, 1):
        matched = [
            m for m in metrics
            if fnmatchcase(m["metric"], rule.metric) and (rule.subject is None or m["subject"] == rule.subject)
        ]  # fmt: skip
        if not matched:
            names = sorted({f"{m['subject']}.{m['metric']}" for m in metrics if m["slice_column"] is None})
            raise ConfigError(
                f"policy rule {i} ({rule.name}) matches no metric of run {run.run_id} "
                f"(its metrics: {', '.join(names)})"
            )
        for m in matched:
            if _selected(rule, m):
                pair = by_key.get((m["metric"], m["subject"], m["slice_column"], m["slice_value"]))
                cells.append(_cell(rule, policy, m, pair, ci_label(run.confidence), baseline is not None))
    outcome = run.report.get("outcome") or {}
    problems = [f"the run failed: {outcome.get('why')}"] if outcome.get("status") == "failed" else []
    return GateResult(
        run.run_id, baseline.run_id if baseline else None, policy, cells, run.confidence, problems, notes
    )
