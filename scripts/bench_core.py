"""Benchmark: sliced aggregation with bootstrap intervals on 1,000,000 items.

Builds a synthetic classification set (1,000,000 items, six classes, three slice columns with 3,
12 and 40 values), computes the per-item columns with genjudge's own checks, then times
genjudge's sliced aggregation (agreement, accuracy for student and teacher, macro precision /
recall / F1 for both, per class too; overall and per slice; 1,000 bootstrap resamples each) against
a plain per-slice pandas loop doing the same work (``DataFrame.sample(replace=True)`` per resample,
the metrics recomputed with pandas). The loop is timed on ``--baseline-resamples`` resamples and
scaled linearly to 1,000 (its cost per resample is constant); both are printed.

    python scripts/bench_core.py [--items 1000000] [--resamples 1000] [--baseline-resamples 10] [--previous S]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from genjudge.aggregate import Settings, aggregate
from genjudge.checks.base import RunContext
from genjudge.checks.exact_match import ExactMatch
from genjudge.checks.label_metrics import LabelMetrics
from genjudge.records import TaskKind

CLASSES = np.array(["billing", "technical", "account", "shipping", "refund", "fraud"])
SLICES = {"difficulty": 3, "category": 12, "region": 40}


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ref = rng.choice(CLASSES, n, p=[0.3, 0.25, 0.2, 0.15, 0.07, 0.03])
    teacher = np.where(rng.random(n) < 0.92, ref, rng.choice(CLASSES, n))
    student = np.where(rng.random(n) < 0.9, teacher, rng.choice(CLASSES, n))
    frame = pd.DataFrame(
        {
            "id": [f"i{i}" for i in range(n)],
            "input": "x",
            "reference": ref.astype(object),
            "teacher": teacher.astype(object),
            "student": student.astype(object),
        }
    )
    for name, k in SLICES.items():
        frame[name] = pd.Categorical(rng.integers(0, k, n).astype(str))
    return frame


def genjudge_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    ctx = RunContext(task=TaskKind.CLASSIFICATION, seed=0, workdir=Path("."))
    checks = [ExactMatch(TaskKind.CLASSIFICATION), LabelMetrics(TaskKind.CLASSIFICATION)]

    async def score_all():
        return await asyncio.gather(*(c.score(frame, ctx) for c in checks))

    results = asyncio.run(score_all())
    table = frame.copy()
    for r in results:
        for name, values in r.columns.items():
            table[name] = values
    return table, [s for c in checks for s in c.metrics()]


def pandas_loop(table: pd.DataFrame, resamples: int, seed: int = 0) -> tuple[int, dict]:
    """The plain way: for each slice, for each resample, sample rows and recompute every metric."""
    rng = np.random.default_rng(seed)
    groups = [("all", table)] + [(f"{c}={v}", g) for c in SLICES for v, g in table.groupby(c, observed=True)]
    point = {}
    work = 0
    for name, g in groups:
        for b in range(resamples + 1):
            s = g if b == 0 else g.sample(n=len(g), replace=True, random_state=rng)
            out = {"agreement_rate": (s["student"] == s["teacher"]).mean()}
            for side in ("student", "teacher"):
                out[f"{side}.accuracy_score"] = (s[side] == s["reference"]).mean()
                tp = s.loc[s[side] == s["reference"], "reference"].value_counts()
                pred, true = s[side].value_counts(), s["reference"].value_counts()
                classes = pred.index.union(true.index)
                tp, pred, true = (x.reindex(classes, fill_value=0) for x in (tp, pred, true))
                precision = (tp / pred).fillna(0.0)
                recall = (tp / true).fillna(0.0)
                f1 = (2 * tp / (pred + true)).fillna(0.0)
                out[f"{side}.macro_precision_score"] = precision.mean()
                out[f"{side}.macro_recall_score"] = recall.mean()
                out[f"{side}.macro_f1_score"] = f1.mean()
            if b == 0:
                point[name] = out
            work += 1
    return work, point


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--baseline-resamples", type=int, default=10)
    parser.add_argument(
        "--previous",
        type=float,
        default=None,
        help="aggregation seconds of an earlier version, printed beside",
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    frame = synthetic(args.items)
    t1 = time.perf_counter()
    table, specs = genjudge_columns(frame)
    t2 = time.perf_counter()
    print(
        f"items: {args.items:,}; slice columns: {SLICES}; build {t1 - t0:.1f} s; per-item checks {t2 - t1:.1f} s"
    )

    start = time.perf_counter()
    metrics = aggregate(table, specs, list(SLICES), Settings(resamples=args.resamples))
    ours = time.perf_counter() - start
    # Memory in a second pass: tracing every allocation slows numpy, so it is kept out of the timing.
    tracemalloc.start()
    aggregate(table, specs, list(SLICES), Settings(resamples=args.resamples))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    groups = 1 + sum(SLICES.values())
    print(
        f"genjudge aggregation: {ours:.2f} s for {len(metrics):,} numbers over {groups} slices, "
        f"{args.resamples} resamples each; peak memory allocated {peak / 2**20:.0f} MiB"
    )
    methods = pd.Series([m.ci_method for m in metrics if m.ci_method]).value_counts().sort_index()
    print("interval methods: " + ", ".join(f"{k} {v:,}" for k, v in methods.items()))
    if args.previous is not None:
        print(f"aggregation before / after: {args.previous:.2f} s / {ours:.2f} s")
    targets = ours < 60 and peak < 2 * 2**30
    print(f"targets (under a minute, under 2 GB): {'met' if targets else 'MISSED'}")

    start = time.perf_counter()
    _, point = pandas_loop(table, args.baseline_resamples)
    base = time.perf_counter() - start
    per_resample = base / (args.baseline_resamples + 1)
    scaled = per_resample * (args.resamples + 1)
    print(
        f"pandas loop: {base:.1f} s for {args.baseline_resamples} resamples (+ the point estimate); "
        f"scaled to {args.resamples}: {scaled:.0f} s"
    )
    print(f"ratio (pandas loop / genjudge): {scaled / ours:.0f}x")

    # Cross-check: both compute the same point estimates.
    ours_overall = {
        f"{m.subject}.{m.metric}" if m.subject != "student_vs_teacher" else m.metric: m.value
        for m in metrics
        if m.slice_column is None and m.label is None
    }
    worst = max(abs(ours_overall[k] - v) for k, v in point["all"].items())
    print(f"largest difference between the two point estimates (all items): {worst:.2e}")
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:.0f} MiB")


if __name__ == "__main__":
    main()
