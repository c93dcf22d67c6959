"""The check protocol: how a scorer plugs into a run.

A check reads the aligned per-item frame (one row per item of the frozen set) and returns, for
every row, its values, a :class:`~genjudge.records.Status` and a reason. It also declares the
metrics the aggregation layer computes from those columns. It never aggregates itself, never
stores its last result on itself, and never turns a failure into a score: a row whose status is
not ``ok`` has NaN values and is counted apart from the denominator.

The frame (``pandas.DataFrame``, index ``0..n-1``) has these columns:

- ``id``, ``input``, ``reference`` (None where absent) and one column per slice;
- ``teacher`` and ``student``: the outputs (``str`` for text and labels, ``dict``/``list`` for
  extraction where the file held JSON, ``None`` where the output file had no row for the id);
- ``teacher_probs`` and ``student_probs``: ``dict[label, prob]`` or None;
- ``teacher_logprobs`` and ``student_logprobs``: per generated token ``{"token", "logprob", "top"}``,
  or None; ``teacher_error`` and ``student_error``: why a model produced no output, or None;
- ``teacher_confidence`` and ``student_confidence``: the model's stated probability that its output
  is right (NaN where not given);
- ``teacher_latency_ms``, ``student_latency_ms``, ``*_input_tokens``, ``*_output_tokens``,
  ``*_cost``: floats, NaN where not given.

Adding a check is one file under ``genjudge/checks/`` with a class decorated by
:func:`~genjudge.checks.register` plus its line in ``_MODULES`` of ``genjudge/checks/__init__.py``;
another package adds one through the ``genjudge.checks`` entry point group (docs/extending.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationInfo

from genjudge.records import Family, Status, TaskKind


class CheckOptions(BaseModel):
    """Base for a check's options (from the run config). Unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def rubric_relative_to_config(value: Any, info: ValidationInfo) -> Any:
    """A rubric option: a ``.toml`` path named relative to the run config is taken from its folder.

    Use in a ``field_validator(..., mode="before")``; names (``"faithfulness"``) pass unchanged.
    """
    base = (info.context or {}).get("base_dir")
    if base is None:
        return value
    if isinstance(value, list):
        return [rubric_relative_to_config(v, info) for v in value]
    if isinstance(value, str) and value.endswith(".toml") and not Path(value).is_absolute():
        return str(Path(base) / value)
    return value


@dataclass(frozen=True)
class MeanMetric:
    """A metric that is the mean of a per-item column over the rows whose status is ok.

    The bootstrap resamples items of the slice; the denominator is the number of ok rows.
    """

    name: str
    family: Family
    subject: str
    column: str
    judge_based: bool = False
    """True when the value comes from an LLM judge (marked validated / unvalidated)."""
    rubric_id: str | None = None
    """For judge-based metrics: the rubric whose validation decision the number depends on."""
    rubric_version: str | None = None
    rubric_hash: str | None = None
    """sha256 of the rubric's content (a decision is bound to it)."""


def judge_rubric_keys(specs: list[Any]) -> list[tuple[str, str, str]]:
    """Sorted (rubric id, version, content hash) of every judge rubric the metric ``specs`` use."""
    return sorted(
        {
            (s.rubric_id, s.rubric_version or "", s.rubric_hash or "")
            for s in specs
            if isinstance(s, MeanMetric) and s.rubric_id
        }
    )


@dataclass(frozen=True)
class ConfusionMetrics:
    """Accuracy and precision / recall / F1 (macro and per class) of ``y_pred`` against ``y_true``.

    Computed from the confusion matrix of the rows where both columns hold a label (None marks a
    row that does not count: a missing output or reference). The bootstrap resamples items, which is
    the same as drawing the confusion cells from a multinomial (exact, and independent of n).
    """

    family: Family
    subject: str
    y_true: str
    y_pred: str
    with_accuracy: bool = False
    """Also emit ``accuracy_score`` (off where another spec already reports it)."""


@dataclass(frozen=True)
class CalibrationMetrics:
    """Expected calibration error with equal-width bins (``expected_calibration_error``) and with
    equal-mass bins (``equal_mass_calibration_error``), and the maximum calibration error
    (``max_calibration_error``), from a per-item top-label confidence and a 0/1 correctness column.

    Computed over the rows where both columns are finite; the interval is the percentile bootstrap
    over items (over clusters when the run has a cluster column).
    """

    family: Family
    subject: str
    confidence: str
    correct: str
    bins: int = 10


MetricSpec = MeanMetric | ConfusionMetrics | CalibrationMetrics


@dataclass
class CheckResult:
    """Per-item output of one check, aligned with the frame's rows."""

    columns: dict[str, np.ndarray]
    """Per-item columns, named ``<check>.<what>``: float values (NaN where not ok) or objects."""
    status: np.ndarray
    """``Status`` value (the string) per row."""
    reason: np.ndarray
    """Reason per row: None when ok, a short sentence otherwise."""
    sections: dict[str, Any] = field(default_factory=dict)
    """Extra JSON-able report content (tables such as the label-flip matrix or failure counts)."""
    notes: list[str] = field(default_factory=list)
    """Sentences the report must state (e.g. how long texts were truncated)."""
    work: dict[str, np.ndarray] = field(default_factory=dict)
    """Per-item working values a row-wise check's :meth:`~RowwiseCheck.summarize` reads (row-aligned
    like ``columns``, first axis = rows); never stored in the per-example table."""


@dataclass
class RunContext:
    """What a check may use besides the frame. Built once per run by the runner."""

    task: TaskKind
    seed: int
    workdir: Path
    confidence: float = 0.95
    """The run's confidence level, for intervals a check computes itself (its sections)."""
    """Folder for caches (embeddings, judge calls) unless a check's options name another."""
    services: dict[str, Any] = field(default_factory=dict)
    """Shared, lazily built heavy objects (judge client, encoder), keyed by name."""


@runtime_checkable
class Check(Protocol):
    """A scorer. Instances are built from options and hold no per-run state."""

    name: ClassVar[str]
    tasks: ClassVar[frozenset[TaskKind]]
    Options: ClassVar[type[CheckOptions]]

    def __init__(self, task: TaskKind, options: CheckOptions) -> None:
        """The runner builds every check as ``cls(task, cls.Options(**config_options))``."""

    def metrics(self) -> list[MetricSpec]:
        """The metrics aggregated from this check's columns."""

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        """Score every row of ``frame``."""


@runtime_checkable
class RowwiseCheck(Protocol):
    """A check whose per-item work can be split over any partition of the rows.

    ``score(frame)`` is ``summarize(frame, concat_results([score_rows(part) for part in parts]))``
    for ``prepared = check.prepare(frame)`` and any split of ``frame`` into consecutive parts: an
    engine (:mod:`genjudge.engines`) may run :meth:`score_rows` on other processes or machines and
    brings the rows back for :meth:`summarize`, which sees the whole set on the driver.
    """

    name: ClassVar[str]

    def prepare(self, frame: pd.DataFrame) -> RowwiseCheck:
        """This check with whatever it must know about the whole set resolved (e.g. the field names)."""

    def score_rows(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        """Per-item columns, statuses, reasons and working values for the rows of ``frame`` only."""

    def summarize(self, frame: pd.DataFrame, rows: CheckResult, ctx: RunContext) -> CheckResult:
        """Add the whole-set sections and notes to the per-item ``rows`` of every row of ``frame``."""


@runtime_checkable
class ChunkedSummary(Protocol):
    """A row-wise check's whole-set sections and notes, folded in one part of the rows at a time.

    What :meth:`RowwiseCheck.summarize` makes of the whole set, made the same from consecutive
    parts: a streamed run (:mod:`genjudge.engines.stream`) feeds it each chunk and drops the chunk.
    """

    def add(self, frame: pd.DataFrame, rows: CheckResult) -> None:
        """Fold in the next part of the rows: its frame and the check's per-item results for it."""

    def result(self, ctx: RunContext) -> tuple[dict[str, Any], list[str]]:
        """The sections and notes of every part added so far, as ``summarize`` gives them."""


@runtime_checkable
class SummarizesInChunks(Protocol):
    """A row-wise check whose sections can be made a part at a time (a streamed run makes them)."""

    name: ClassVar[str]

    def chunked_summary(self) -> ChunkedSummary:
        """A new, empty summary of this check."""


def summarize_whole(
    check: SummarizesInChunks, frame: pd.DataFrame, rows: CheckResult, ctx: RunContext
) -> CheckResult:
    """``summarize`` of a check that summarizes in chunks: the whole set as one part."""
    summary = check.chunked_summary()
    summary.add(frame, rows)
    sections, notes = summary.result(ctx)
    return CheckResult(
        columns=rows.columns, status=rows.status, reason=rows.reason, sections=sections, notes=notes
    )


def concat_results(parts: list[CheckResult]) -> CheckResult:
    """The per-item results of consecutive parts of a frame, joined in order (sections are not merged)."""
    if not parts:
        raise ValueError("no parts to join")

    def join(get: Any) -> dict[str, np.ndarray]:
        first = get(parts[0])
        return {k: np.concatenate([get(p)[k] for p in parts]) for k in first}

    return CheckResult(
        columns=join(lambda p: p.columns),
        status=np.concatenate([p.status for p in parts]),
        reason=np.concatenate([p.reason for p in parts]),
        work=join(lambda p: p.work),
    )


def status_array(n: int, status: Status = Status.OK) -> np.ndarray:
    """A per-row status column filled with one value."""
    return np.full(n, status.value, dtype=object)


def missing_outputs(frame: pd.DataFrame, *sides: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose output on any of ``sides`` is absent, and the reason to record for each.

    Returns (mask, reasons); reasons are None where the row has every output.
    """
    mask = np.zeros(len(frame), dtype=bool)
    reasons = np.full(len(frame), None, dtype=object)
    for side in sides:
        absent = frame[side].isna().to_numpy() if side in frame else np.ones(len(frame), bool)
        new = absent & ~mask
        reasons[new] = f"missing {side}" if side == "reference" else f"missing {side} output"
        if f"{side}_error" in frame:
            errors = frame[f"{side}_error"].to_numpy(dtype=object)
            failed = new & pd.notna(errors)
            reasons[failed] = [f"missing {side} output (the call failed: {e})" for e in errors[failed]]
        mask |= absent
    return mask, reasons
