"""Runs over time as functions: compare two stored runs, gate a stored run against a policy."""

from __future__ import annotations

import os
from pathlib import Path

from genjudge.comparison import Comparison, compare_runs, latest
from genjudge.errors import ConfigError
from genjudge.gating import GatePolicy, GateResult, gate_run, load_policy
from genjudge.store import RunStore, resolve_url


def compare(
    run_a: str | None = None,
    run_b: str | None = None,
    *,
    latest_n: int | None = None,
    name: str | None = None,
    store: str | os.PathLike[str] | None = None,
    adjust: str = "holm",
    seed: int = 0,
    metrics: list[str] | None = None,
) -> Comparison:
    """``genjudge compare``: run B (the candidate) against run A (the baseline) on the same set,
    or with ``latest_n`` the newest run against the ``latest_n``-th newest (of config ``name``).
    ``metrics``: name patterns to compare (default: all but the calibration and distance
    diagnostics, :data:`genjudge.comparison.table.DIAGNOSTIC_METRICS`)."""
    if adjust not in ("holm", "bh"):
        raise ConfigError(f"adjust must be holm or bh, not {adjust!r}")
    runs = RunStore(resolve_url(None if store is None else str(store)), create=False)
    if latest_n is not None:
        if run_a or run_b:
            raise ConfigError("give two run ids or --latest N, not both")
        run_a, run_b = latest(runs, name, latest_n)
    if not (run_a and run_b):
        raise ConfigError("give two run ids (baseline, candidate) or --latest N")
    return compare_runs(runs, run_a, run_b, adjust=adjust, seed=seed, metrics=metrics)


def gate(
    policy: GatePolicy | str | os.PathLike[str],
    run: str,
    *,
    baseline: str | None = None,
    store: str | os.PathLike[str] | None = None,
) -> GateResult:
    """``genjudge gate``: hold a stored run against a policy (a GatePolicy or its file); ``baseline``
    is a run id or ``"previous"`` (the newest earlier run on the same set)."""
    runs = RunStore(resolve_url(None if store is None else str(store)), create=False)
    rules = policy if isinstance(policy, GatePolicy) else load_policy(Path(policy))
    return gate_run(runs, rules, run, baseline)
