"""Very large sets on one machine: the row-wise checks over a set streamed a chunk at a time.

:func:`stream_rates` reads the set and both output files in step (:func:`genjudge.io.chunks.aligned_chunks`),
builds the frame of one chunk, scores it with every row-wise check's ``score_rows`` and keeps only
running sums per mean metric: memory holds one chunk, whatever the set's size (10 million items:
scripts/bench_scale.py measures it). What it gives is the overall value of every mean metric with a
normal (Wald) interval, exact at these sizes where the run's own aggregation also takes the bootstrap's
normal limit above 100,000 items, and the item counts by status. Slices, the whole-set sections (failure
tables, pooled field P / R / F1) and the stored report need the whole per-item table: a normal run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import norm

from genjudge.checks.base import MeanMetric, RowwiseCheck, RunContext
from genjudge.checks.build import build_checks
from genjudge.config import RunConfig
from genjudge.errors import ConfigError
from genjudge.frame import build_frame
from genjudge.io.chunks import aligned_chunks
from genjudge.records import TaskKind

__all__ = ["StreamedRate", "StreamedRun", "stream_rates"]


@dataclass
class StreamedRate:
    """One mean metric over the whole streamed set."""

    check: str
    name: str
    subject: str
    column: str
    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    @property
    def value(self) -> float | None:
        """The mean over the items where the column is finite (None when there are none)."""
        return self.total / self.n if self.n else None

    def interval(self, confidence: float) -> tuple[float, float] | None:
        """The normal (Wald) interval of the mean at ``confidence``."""
        if self.n < 2:
            return None
        mean = self.total / self.n
        variance = max(self.total_sq / self.n - mean * mean, 0.0) * self.n / (self.n - 1)
        half = float(norm.ppf(0.5 + confidence / 2)) * math.sqrt(variance / self.n)
        return mean - half, mean + half


@dataclass
class StreamedRun:
    """What a streamed pass produced: counts and the mean metrics."""

    items: int = 0
    chunks: int = 0
    missing: dict[str, int] = field(default_factory=lambda: {"teacher": 0, "student": 0})
    """Items with no row in each output file."""
    status: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per check: items by status (ok / unscored / error)."""
    rates: list[StreamedRate] = field(default_factory=list)


def stream_rates(config: RunConfig, *, config_dir: Path, chunk_rows: int = 50_000) -> StreamedRun:
    """Score ``config``'s row-wise checks over its set a chunk of ``chunk_rows`` items at a time."""
    checks = build_checks(config, config_dir)
    for check in checks:
        if not isinstance(check, RowwiseCheck):
            raise ConfigError(f"check {check.name!r} needs the whole set at once: it cannot be streamed")
        if getattr(getattr(check, "options", None), "fields", False) is None:
            raise ConfigError(
                f"check {check.name!r}: a streamed run needs its `fields` option (the fields the references "
                "hold are known only once the whole set is read)"
            )
    ctx = RunContext(task=config.task, seed=config.bootstrap.seed, workdir=config_dir / ".genjudge")
    run = StreamedRun()
    rates = {
        (c.name, s.column): StreamedRate(c.name, s.name, s.subject, s.column)
        for c in checks
        for s in c.metrics()
        if isinstance(s, MeanMetric)
    }
    run.rates = list(rates.values())
    run.status = {c.name: {} for c in checks}
    chunks = aligned_chunks(
        config.set,
        config.teacher,
        config.student,
        rows=chunk_rows,
        parse_json=config.task is TaskKind.EXTRACTION,
        labels=config.task is TaskKind.CLASSIFICATION,
    )
    for chunk in chunks:
        frame = build_frame(chunk.evalset, [], chunk.teacher, chunk.student)
        run.items += len(frame)
        run.chunks += 1
        for side in ("teacher", "student"):
            run.missing[side] += len(frame) - len(getattr(chunk, side).outputs)
        for check in checks:
            result = check.score_rows(frame, ctx)
            _count(run.status[check.name], result.status)
            for (name, column), rate in rates.items():
                if name == check.name:
                    _add(rate, result.columns[column])
        del frame
    return run


def _count(counts: dict[str, int], status: np.ndarray) -> None:
    values, n = np.unique(status.astype(str), return_counts=True)
    for value, k in zip(values.tolist(), n.tolist(), strict=True):
        counts[value] = counts.get(value, 0) + int(k)


def _add(rate: StreamedRate, values: Any) -> None:
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    rate.n += len(x)
    rate.total += float(x.sum())
    rate.total_sq += float((x * x).sum())
