"""Release gates: a run held against a policy, per metric and slice (``genjudge gate``;
:func:`gate_run` in Python).

- :mod:`genjudge.gating.policy`: the policy file (floors, ceilings, largest allowed regression,
  point or interval decisions, minimum support, critical slices, which judge numbers count);
- :mod:`genjudge.gating.evaluate`: the decision, cell by cell;
- :mod:`genjudge.gating.render`: Markdown (a pull-request comment), JUnit XML and HTML.
"""

from __future__ import annotations

from dataclasses import replace

from genjudge.comparison.runs import check_comparable, load_run, previous
from genjudge.comparison.table import compare_table
from genjudge.gating.evaluate import Cell, CellOutcome, GateResult, evaluate_gate
from genjudge.gating.policy import GatePolicy, Rule, load_policy
from genjudge.store import RunStore

__all__ = [
    "Cell",
    "CellOutcome",
    "GatePolicy",
    "GateResult",
    "Rule",
    "evaluate_gate",
    "gate_run",
    "load_policy",
]


def gate_run(store: RunStore, policy: GatePolicy, run_id: str, baseline_id: str | None = None) -> GateResult:
    """Load the run (and its baseline: a run id, or ``"previous"``, the newest earlier finished run on
    the same set), compare them item by item when there is one, and decide."""
    run = load_run(store, run_id)
    if baseline_id == "previous":
        baseline_id = previous(store, run.run_id)
        if baseline_id is None:
            result = evaluate_gate(policy, run)
            first = "no earlier run on this set: the first release has no baseline"
            return replace(result, notes=[first, *result.notes])
    if baseline_id is None:
        return evaluate_gate(policy, run)
    baseline = load_run(store, baseline_id)
    check_comparable(baseline, run)
    pairs = compare_table(baseline, run, metrics=["*"])
    return evaluate_gate(policy, run, baseline, pairs)
