"""Very large sets on one machine: the row-wise checks over a set streamed a chunk at a time.

:func:`stream_rates` reads the set and both output files in step (:func:`genjudge.io.chunks.aligned_chunks`,
which also refuses an id seen in an earlier chunk), builds the frame of one chunk, scores it with every
row-wise check's ``score_rows`` and keeps only running statistics: memory holds one chunk plus
bounded per-slice statistics, whatever the set's size (scripts/bench_scale.py measures it).

What it gives: every mean metric of those checks on the whole set and on every slice, with the
local run's intervals (:mod:`genjudge.engines.stream_stats`: equal to the local aggregation), the
item counts by status and reason (per check and per item, the worst check deciding), the slice
sizes, the missing outputs, the items the evaluation itself could not score, and each 0/1 rate's
bounds with unscored items counted as 0 and as 1. Each chunk's per-example table goes to a
callback and is then dropped (:mod:`genjudge.run_stream` writes it out). A classification set's
rare classes are counted first, in a pass over its labels (:func:`stream_rare_classes`), so its
``rare_class`` slice is the local run's. The whole-set sections of a check that makes them a part at
a time (:class:`~genjudge.checks.base.SummarizesInChunks`: ``exact_match``, ``format_rules``,
``json_structure``) are folded in chunk by chunk and equal the local run's. What it does not give: the
sections of the other checks (``extraction_fields``' pooled field P / R / F1 with their bootstrap,
``embedding_similarity``'s distribution quantiles and text counts): those need every item's values
in memory, that is a normal run.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from genjudge.aggregate import Settings
from genjudge.checks.base import MeanMetric, RowwiseCheck, RunContext, SummarizesInChunks
from genjudge.checks.build import build_checks
from genjudge.config import RunConfig
from genjudge.engines.stream_stats import SliceMeans
from genjudge.errors import ConfigError
from genjudge.frame import RARE_CLASS, build_frame, class_labels, mark_rare_classes, rare_classes
from genjudge.io.chunks import aligned_chunks, batched
from genjudge.io.tables import read_rows
from genjudge.outcome import evaluation_failures, per_example_table
from genjudge.records import MetricValue, Status, TaskKind

__all__ = [
    "MISSING_IDS_KEPT",
    "STREAMABLE",
    "StreamedRate",
    "StreamedRun",
    "stream_rare_classes",
    "stream_rates",
    "streamable",
]

STREAMABLE = ("embedding_similarity", "exact_match", "extraction_fields", "format_rules", "json_structure")
"""The built-in checks a streamed run scores (row-wise; ``extraction_fields`` with its ``fields``)."""
MISSING_IDS_KEPT = 10_000
"""Missing-output ids listed per model; past it only counted (the report says how many in all)."""


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
class _Bounds:
    """A 0/1 rate's running parts for :func:`genjudge.outcome.unscored_bounds`."""

    hits: float = 0.0
    k: int = 0
    rate: bool = True
    """Still a rate: its values are 0 / 1 and its missing values are exactly its check's not-ok rows."""


@dataclass
class StreamedRun:
    """What a streamed pass produced: counts, the mean metrics, per slice."""

    items: int = 0
    chunks: int = 0
    missing: dict[str, int] = field(default_factory=lambda: {"teacher": 0, "student": 0})
    """Items with no row in each output file."""
    missing_ids: dict[str, list[str]] = field(default_factory=lambda: {"teacher": [], "student": []})
    """The first ``MISSING_IDS_KEPT`` of those ids per model."""
    status: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per check: items by status (ok / unscored / error)."""
    reasons: dict[str, Counter[str]] = field(default_factory=dict)
    """Per check: items not ok by reason."""
    item_status: Counter[str] = field(default_factory=Counter)
    """Items by their worst status over the checks."""
    item_reasons: Counter[str] = field(default_factory=Counter)
    """Items not ok by the reason of their worst check (``check: reason``)."""
    failed: int = 0
    """Items the evaluation itself could not score (:func:`genjudge.outcome.evaluation_failures`)."""
    failure_kinds: Counter[str] = field(default_factory=Counter)
    slices: list[str] = field(default_factory=list)
    slice_sizes: dict[str, Counter[str]] = field(default_factory=dict)
    rates: list[StreamedRate] = field(default_factory=list)
    means: list[SliceMeans] = field(default_factory=list)
    specs: list[MeanMetric] = field(default_factory=list)
    bounds: dict[tuple[str, str], _Bounds] = field(default_factory=dict)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per check that summarizes in chunks (:class:`~genjudge.checks.base.SummarizesInChunks`): its
    whole-set sections, as a local run makes them."""
    notes: list[str] = field(default_factory=list)
    """Those checks' notes, in the checks' order."""
    unsummarized: list[str] = field(default_factory=list)
    """The checks whose whole-set sections a streamed run does not make."""

    def metric_values(self, settings: Settings) -> list[MetricValue]:
        """Every metric on the whole set and every slice, in the local aggregation's order."""
        return [v for means in self.means for v in means.metric_values(settings)]

    def unscored_bounds(self) -> list[dict[str, Any]]:
        """Each overall 0/1 rate with its bounds, as :func:`genjudge.outcome.unscored_bounds` gives."""
        out = []
        for spec in self.specs:
            b = self.bounds[(spec.name, spec.column)]
            if not b.rate or not b.k:
                continue
            left_out = self.items - b.k
            out.append(
                {
                    "metric": spec.name,
                    "subject": spec.subject,
                    "value": b.hits / b.k,
                    "n": b.k,
                    "items": self.items,
                    "left_out": left_out,
                    "low": b.hits / self.items,
                    "high": (b.hits + left_out) / self.items,
                }
            )
        return out


def streamable(checks: list[Any]) -> None:
    """Refuse a check a streamed run cannot score, naming it and the checks it can."""
    for check in checks:
        if not isinstance(check, RowwiseCheck):
            raise ConfigError(
                f"check {check.name!r} needs the whole set at once: it cannot be streamed (a streamed "
                f"run scores the row-wise checks: {', '.join(STREAMABLE)}); run it without --stream"
            )
        if getattr(getattr(check, "options", None), "fields", False) is None:
            raise ConfigError(
                f"check {check.name!r}: a streamed run needs its `fields` option (the fields the references "
                "hold are known only once the whole set is read)"
            )


def stream_rates(
    config: RunConfig,
    *,
    config_dir: Path,
    chunk_rows: int = 50_000,
    slices: list[str] | None = None,
    on_chunk: Callable[[pd.DataFrame], None] | None = None,
    rare: list[str] | None = None,
) -> StreamedRun:
    """Score ``config``'s row-wise checks over its set a chunk of ``chunk_rows`` items at a time.

    ``slices``: the slice columns (crossed ones as ``a*b``) whose groups get their own numbers.
    ``rare``: the rare classes (:func:`stream_rare_classes`): each item of one gets the
    ``rare_class`` column the local run gives it (``slices`` then names ``rare_class`` too).
    ``on_chunk``: called with each chunk's per-example table (the local run's
    :func:`~genjudge.outcome.per_example_table` of those items), in the set's order.
    """
    checks = build_checks(config, config_dir)
    streamable(checks)
    ctx = RunContext(
        task=config.task,
        seed=config.bootstrap.seed,
        workdir=config_dir / ".genjudge",
        confidence=config.bootstrap.confidence,
    )
    run = StreamedRun(slices=list(slices or []))
    rates = {
        (c.name, s.column): StreamedRate(c.name, s.name, s.subject, s.column)
        for c in checks
        for s in c.metrics()
        if isinstance(s, MeanMetric)
    }
    run.specs = [s for c in checks for s in c.metrics() if isinstance(s, MeanMetric)]
    run.means = [SliceMeans(s, column) for s in run.specs for column in [None, *run.slices]]
    run.bounds = {(s.name, s.column): _Bounds() for s in run.specs}
    run.rates = list(rates.values())
    run.status = {c.name: {} for c in checks}
    run.reasons = {c.name: Counter() for c in checks}
    run.slice_sizes = {column: Counter() for column in run.slices}
    summaries = {c.name: c.chunked_summary() for c in checks if isinstance(c, SummarizesInChunks)}
    run.unsummarized = [c.name for c in checks if c.name not in summaries]
    chunks = aligned_chunks(
        config.set,
        config.teacher,
        config.student,
        rows=chunk_rows,
        parse_json=config.task is TaskKind.EXTRACTION,
        labels=config.task is TaskKind.CLASSIFICATION,
    )
    of_set = [column for column in run.slices if column != RARE_CLASS]
    for chunk in chunks:
        frame = build_frame(chunk.evalset, of_set, chunk.teacher, chunk.student)
        if rare:
            mark_rare_classes(frame, class_labels(frame), rare)
        run.items += len(frame)
        run.chunks += 1
        for side in ("teacher", "student"):
            absent = getattr(chunk, side).missing
            run.missing[side] += len(absent)
            room = MISSING_IDS_KEPT - len(run.missing_ids[side])
            run.missing_ids[side].extend(absent[:room] if room > 0 else [])
        for column in run.slices:
            run.slice_sizes[column].update(frame[column].dropna().tolist())  # rare_class: NaN for the others
        results = {check.name: check.score_rows(frame, ctx) for check in checks}
        table, status = per_example_table(frame, checks, [results[check.name] for check in checks])
        run.item_status.update(status.tolist())
        run.item_reasons.update(table["reason"][status != Status.OK.value].tolist())
        for name, result in results.items():
            _count(run.status[name], result.status)
            run.reasons[name].update(
                r for s, r in zip(result.status, result.reason, strict=True) if s != "ok"
            )
        for (name, column), rate in rates.items():
            _add(rate, results[name].columns[column])
        for means in run.means:
            labels = None if means.column is None else frame[means.column].to_numpy(dtype=object)
            means.add(results[_check_of(means.spec)].columns[means.spec.column], labels)
        for spec in run.specs:
            _add_bounds(run.bounds[(spec.name, spec.column)], spec, results[_check_of(spec)])
        for name, summary in summaries.items():
            summary.add(frame, results[name])
        failed, kinds = evaluation_failures(table, run.specs)
        run.failed += int(failed.sum())
        run.failure_kinds.update(kinds)
        if on_chunk is not None:
            on_chunk(table)
        del frame, results, table
    for name, summary in summaries.items():
        sections, notes = summary.result(ctx)
        if sections:
            run.sections[name] = sections
        run.notes += notes
    return run


def stream_rare_classes(config: RunConfig, *, chunk_rows: int = 50_000) -> list[str]:
    """The classes under ``rare_class_share`` of a classification set, counted in a first pass over
    its labels, each item's reference, else the teacher's, as the local run reads them. The set alone
    is read while every item has a reference; from the first item without one, the set is read again
    with both output files (the teacher's label is that item's class). [] for another task or a
    share of 0, without reading anything."""
    if config.task is not TaskKind.CLASSIFICATION or config.rare_class_share <= 0:
        return []
    counts: Counter[str] = Counter()
    items = 0
    for chunk in batched(read_rows(config.set), chunk_rows):
        references = pd.Series([row.get("reference") for _, row in chunk], dtype=object)
        if references.isna().any():  # an item without a reference takes the teacher's label
            return _rare_classes_with_the_teacher(config, chunk_rows)
        counts.update(class_labels(pd.DataFrame({"reference": references, "teacher": references})).tolist())
        items += len(references)
    return rare_classes(counts, items, config.rare_class_share)


def _rare_classes_with_the_teacher(config: RunConfig, chunk_rows: int) -> list[str]:
    counts: Counter[str] = Counter()
    items = 0
    for chunk in aligned_chunks(config.set, config.teacher, config.student, rows=chunk_rows, labels=True):
        frame = build_frame(chunk.evalset, [], chunk.teacher, chunk.student)
        counts.update(label for label in class_labels(frame) if label is not None)
        items += len(frame)
    return rare_classes(counts, items, config.rare_class_share)


def _check_of(spec: MeanMetric) -> str:
    """The check whose result holds ``spec``'s column (columns are named ``<check>.<what>``)."""
    return spec.column.split(".")[0]


def _add_bounds(b: _Bounds, spec: MeanMetric, result: Any) -> None:
    if not b.rate:
        return
    values = np.asarray(result.columns[spec.column], dtype=float)
    scored = np.isfinite(values)
    if (
        not np.array_equal(~scored, result.status != Status.OK.value)
        or not np.isin(values[scored], (0.0, 1.0)).all()
    ):
        b.rate = False
        return
    b.hits += float(values[scored].sum())
    b.k += int(scored.sum())


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
