"""Whether a run did its job: the failure share, the unscored bounds, and unfinished runs.

A run *fails* when the share of its items the evaluation itself could not score exceeds
``max_failure_share`` of the run config (default 5%): items in ``error`` (a judge call failed after
its retries, the circuit opened, a check crashed on the item) and items a judge-based check left
``unscored`` (an unparseable or refused verdict, a schema violation, orders that disagree, a
prompt over the budget). Items left out because of the outputs under test (a missing output,
student JSON that does not parse) are measurements of the student, reported as such; they do not
fail the run. A failed run is still
stored and reported, with a critical ``run_failed`` finding that says why, and the CLI exits 1.

Next to every rate (a mean of a 0/1 column), the report gives its bounds with the items that
were left out counted both ways: all as 0 and all as 1. When unscored items are not missing at
random (an injection that half-fooled the judge ends position-inconsistent, and leaves), the
rate over the scored items alone can be far from both; a finding says so when the bounds are
more than ``findings.material_gap`` apart.

An :class:`Attempt` marks the run as started in the store before scoring; the final commit
removes the mark. The CLI marks it ``interrupted`` (SIGINT / SIGTERM) or ``failed`` (an error)
when the run stops early, so ``runs list`` shows runs that never finished.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from genjudge.records import Status

if TYPE_CHECKING:
    from genjudge.checks.base import CheckResult

__all__ = [
    "Attempt",
    "assess",
    "current_attempt",
    "per_example_table",
    "reason_kinds",
    "record_outcome",
    "unscored_bounds",
]

EXIT_RUN_FAILED = 1
"""Exit status of a run that finished but could not do its job (failure share, provider stopped)."""


def per_example_table(
    frame: pd.DataFrame, instances: list[Any], results: list[CheckResult]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The frame plus every check's columns, statuses and reasons; and the item-level status.

    An item's status is the worst of its checks' (error > unscored > ok), with the first reason.
    """
    columns: dict[str, Any] = {}
    n = len(frame)
    item_status = np.full(n, Status.OK.value, dtype=object)
    item_reason = np.full(n, None, dtype=object)
    rank = {Status.OK.value: 0, Status.UNSCORED.value: 1, Status.ERROR.value: 2}
    item_rank = np.zeros(n, dtype=np.int8)
    for check, result in zip(instances, results, strict=True):
        if len(result.status) != n or any(len(v) != n for v in result.columns.values()):
            raise RuntimeError(f"check {check.name!r} returned columns of the wrong length")
        columns.update(result.columns)
        columns[f"{check.name}.status"] = result.status
        columns[f"{check.name}.reason"] = result.reason
        check_rank = pd.Series(result.status).map(rank).to_numpy(dtype=np.int8)
        worse = check_rank > item_rank
        item_rank[worse] = check_rank[worse]
        item_status[worse] = result.status[worse]
        item_reason[worse] = [f"{check.name}: {r}" for r in result.reason[worse]]
    extra = pd.DataFrame(columns, index=frame.index)
    # Token log-probabilities are large and stay in the output files; the table keeps the rest.
    kept = frame.drop(columns=[c for c in frame.columns if str(c).endswith("_logprobs")])
    table = pd.concat([kept, extra], axis=1)
    table["status"] = item_status
    table["reason"] = item_reason
    return table, item_status


def unscored_bounds(table: pd.DataFrame, specs: list[Any]) -> list[dict[str, Any]]:
    """For each overall rate: the rate over scored items, and its bounds with the rest counted 0 / 1.

    A rate is a MeanMetric whose column holds only 0 and 1 where scored and whose missing values
    are exactly the rows its check did not score (so position inconsistency, defined only where
    both orders were judged, is not a rate of all items and is left out).
    """
    from genjudge.checks.base import MeanMetric

    out = []
    n = len(table)
    for spec in specs:
        if not isinstance(spec, MeanMetric) or spec.column not in table:
            continue
        values = pd.to_numeric(table[spec.column], errors="coerce").to_numpy(dtype=float)
        scored = np.isfinite(values)
        status_col = f"{spec.column.split('.')[0]}.status"
        if status_col in table:
            not_ok = (table[status_col] != "ok").to_numpy()
            if not np.array_equal(~scored, not_ok):
                continue
        if not scored.any() or not np.isin(values[scored], (0.0, 1.0)).all():
            continue
        hits, k = float(values[scored].sum()), int(scored.sum())
        left_out = n - k
        out.append(
            {
                "metric": spec.name,
                "subject": spec.subject,
                "value": hits / k,
                "n": k,
                "items": n,
                "left_out": left_out,
                "low": hits / n,
                "high": (hits + left_out) / n,
            }
        )
    return out


_OUTPUT_CAUSED = re.compile(r"(^|: )(missing\b|output is\b|(student|teacher) output\b)")


def evaluation_failures(table: pd.DataFrame, specs: list[Any]) -> tuple[np.ndarray, dict[str, int]]:
    """Which items the evaluation could not score (see the module docstring), and why (by kind)."""
    from genjudge.checks.base import MeanMetric

    n = len(table)
    failed = np.zeros(n, dtype=bool)
    why = np.full(n, None, dtype=object)
    judge_checks = {s.column.split(".")[0] for s in specs if isinstance(s, MeanMetric) and s.judge_based}
    for column in [c for c in table.columns if c.endswith(".status")]:
        check = column[: -len(".status")]
        status = table[column].to_numpy()
        reason = table[f"{check}.reason"].to_numpy() if f"{check}.reason" in table else np.full(n, None)
        bad = status == "error"
        if check in judge_checks:
            unscored = status == "unscored"
            caused_by_output = np.array([bool(_OUTPUT_CAUSED.search(str(r or ""))) for r in reason])
            bad |= unscored & ~caused_by_output
        new = bad & ~failed
        why[new] = [f"{check}: {r}" for r in reason[new]]
        failed |= bad
    return failed, reason_kinds(Counter(why[failed].tolist()))


def assess(report: dict[str, Any], table: pd.DataFrame, specs: list[Any], config: Any) -> dict[str, Any]:
    """Add ``outcome`` and ``unscored_bounds`` to ``report`` and their findings; returns it."""
    failed_items, reasons = evaluation_failures(table, specs)
    return record_outcome(
        report,
        failed=int(failed_items.sum()),
        items=report["counts"]["items"] or 0,
        reasons=reasons,
        bounds=unscored_bounds(table, specs),
        max_failure_share=float(getattr(config, "max_failure_share", 0.05)),
        material_gap=float(getattr(getattr(config, "findings", None), "material_gap", 0.05)),
    )


def record_outcome(
    report: dict[str, Any],
    *,
    failed: int,
    items: int,
    reasons: dict[str, int],
    bounds: list[dict[str, Any]],
    max_failure_share: float,
    material_gap: float,
) -> dict[str, Any]:
    """Set ``report``'s ``outcome`` (failed when more than ``max_failure_share`` of the items could not
    be scored, ``reasons`` grouped by :func:`reason_kinds`) and ``unscored_bounds``, and add their
    findings: one run's table (:func:`assess`) or a streamed run's running counts give the numbers."""
    share = failed / items if items else 1.0
    outcome: dict[str, Any] = {
        "status": "ok",
        "failure_share": share,
        "max_failure_share": max_failure_share,
        "not_scored": failed,
        "items": items,
        "reasons": reasons,
    }
    findings = report.setdefault("findings", [])
    if share > max_failure_share:
        top = "; ".join(f"{k} ({v})" for k, v in list(reasons.items())[:4]) or "no item was scored"
        outcome["status"] = "failed"
        outcome["why"] = (
            f"the evaluation could not score {failed} of {items} items ({share:.1%}), more than max_failure_share "
            f"{max_failure_share:.0%}: {top}"
        )
        findings.insert(
            0, {"code": "run_failed", "severity": "critical", "message": f"The run failed: {outcome['why']}."}
        )
    for b in bounds:
        if b["left_out"] and b["high"] - b["low"] > material_gap:
            findings.append(
                {
                    "code": "unscored_bounds",
                    "severity": "warning",
                    "message": (
                        f"{b['metric']} ({b['subject']}) is {b['value']:.3f} over the {b['n']} scored items, "
                        f"but {b['left_out']} of {b['items']} items were left out: counted all as 0 it is "
                        f"{b['low']:.3f}, all as 1 {b['high']:.3f}. Unscored items are not missing at "
                        "random (an injection that half-fooled the judge ends position-inconsistent); "
                        "read the rate between these bounds."
                    ),
                }
            )
    report["outcome"] = outcome
    report["unscored_bounds"] = bounds
    return report


def reason_kinds(reasons: Counter | dict[str, int]) -> dict[str, int]:
    """Item reasons grouped by kind (``judge_equivalence: order A,B: unparseable: …`` → ``…unparseable``)."""
    kinds: dict[str, int] = {}
    for reason, count in reasons.items():
        text = re.sub(r"order [AB],[AB]: ", "", str(reason))
        parts = [p.strip() for p in text.split(":")]
        kind = ": ".join(parts[:2]) if len(parts) > 1 else parts[0]
        kinds[kind] = kinds.get(kind, 0) + count
    return dict(sorted(kinds.items(), key=lambda kv: -kv[1]))


@dataclass
class Attempt:
    """A run that has started: its mark in the store, and what it has done so far."""

    store: Any
    attempt_id: str
    started_at: datetime
    services: dict[str, Any] = field(default_factory=dict)
    """The run's shared services (the judge), read for progress when the run is interrupted."""
    ended: bool = False

    @classmethod
    def begin(cls, store: Any, config: Any, services: dict[str, Any]) -> Attempt:
        now = datetime.now(UTC)
        from genjudge.provenance import new_run_id

        attempt = cls(store, new_run_id(now), now, services)
        store.begin_attempt(attempt.attempt_id, now, getattr(config, "name", None), config.task.value)
        global _CURRENT
        _CURRENT = attempt
        return attempt

    def progress(self) -> str:
        """What the interrupted run had done: judge answers received and cached."""
        judge = self.services.get("judge")
        if judge is None:
            return "no judge calls had been made"
        m = judge.meter
        answered = m.requests - m.errors
        live = answered - m.cached
        return (
            f"{answered} judge answers were in hand ({live} received in this invocation, {m.cached} from "
            "the cache) and every one received is cached"
        )

    def end(self, status: str, note: str) -> None:
        """Mark the attempt ``interrupted`` or ``failed`` (never raises: it runs while stopping)."""
        if self.ended:
            return
        self.ended = True
        # A store we cannot reach while stopping must not hide why we stop.
        with contextlib.suppress(Exception):
            self.store.end_attempt(self.attempt_id, status, note)

    def saved(self) -> None:
        self.ended = True


_CURRENT: Attempt | None = None


def current_attempt() -> Attempt | None:
    """The attempt of the run in progress in this process, if it has not been saved or ended."""
    return _CURRENT if _CURRENT is not None and not _CURRENT.ended else None
