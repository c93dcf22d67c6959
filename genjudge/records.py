"""Typed records that cross a file, the store, the wire or a report.

Every record carries ``schema_version`` so later readers can migrate old rows. Labels are enums,
never bare strings; every per-item result carries a :class:`Status` and a reason.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Status(enum.StrEnum):
    """Outcome of scoring one item with one check."""

    OK = "ok"
    """Scored; the value is evidence."""
    UNSCORED = "unscored"
    """Not scored for a stated reason (missing output, unparseable verdict, refusal...)."""
    ERROR = "error"
    """Scoring failed with an exception (after retries, where retries apply)."""


class TaskKind(enum.StrEnum):
    """What the models under test produce."""

    CLASSIFICATION = "classification"
    EXTRACTION = "extraction"
    GENERATION = "generation"


class Family(enum.StrEnum):
    """The family a metric belongs to; the report groups by it."""

    FIDELITY = "fidelity"
    """Student against teacher."""
    QUALITY = "quality"
    """A model against the reference (ground truth)."""
    STRUCTURE = "structure"
    """Parsing and schema conformance, apart from content."""
    OPERATIONS = "operations"
    """Latency, cost, tokens."""


class Record(BaseModel):
    """Base for persisted records: frozen, strict about unknown fields, versioned."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    """Version of the record layout."""


class SetManifest(Record):
    """What ``genjudge freeze`` writes next to an evaluation set."""

    path: str
    """The set's file name, relative to the manifest."""
    format: str
    """``jsonl``, ``csv`` or ``parquet``."""
    fingerprint: str
    """sha256 over the canonical rows, sorted by id (row order does not matter)."""
    rows: int
    """Number of items."""
    columns: list[str]
    """All columns, in file order."""
    slices: list[str]
    """Columns that are slice tags."""
    row_hashes: dict[str, str]
    """Per-id short hash of the canonical row, to say which rows changed."""
    created_at: datetime


class MetricValue(Record):
    """One number in a report: a metric on one slice, with its denominator and interval."""

    metric: str
    """Metric name (``*_score`` higher is better, ``*_error`` lower is better, rates end in ``_rate``)."""
    family: Family
    subject: str
    """Which model the number describes: ``student``, ``teacher`` or ``student_vs_teacher``."""
    label: str | None = None
    """The class, for per-class metrics; None for averages."""
    support: int | None = None
    """For per-class metrics: items of the class in the reference (or teacher) within the slice."""
    slice_column: str | None = None
    """``None`` for the whole set."""
    slice_value: str | None = None
    value: float | None
    """``None`` when nothing in the slice could be scored (never 0.0 for empty)."""
    n: int
    """The denominator: items that were scored for this metric in this slice."""
    n_unscored: int = 0
    """Items of the slice left out of ``n`` (unscored or errored for this metric)."""
    ci_low: float | None = None
    ci_high: float | None = None
    ci_method: str | None = None
    """How the interval was computed (:class:`genjudge.stats.CIMethod`): ``jeffreys`` (proportions),
    ``bca`` (means: BCa bootstrap over items), ``percentile`` (macro averages, F1), ``normal``
    (large-n normal limit of the bootstrap of a mean); ``*_clustered`` when a cluster column makes
    whole clusters the unit. See docs/statistics.md."""
    too_small: bool = False
    """True when ``n`` is under the run's minimum support: shown, flagged, never trusted."""
    validated: bool | None = None
    """For judge-based metrics: True only when the judge is validated on this evaluation set (and
    does not fail on this slice). ``None`` for other metrics."""
    validation: str | None = None
    """For judge-based metrics: ``validated``, ``validated elsewhere``, ``unvalidated`` or ``fails on
    this slice`` (see docs/validation.md). ``None`` for other metrics."""
    critical: bool = False
    """True on a slice the run config declares critical (``critical:``)."""


class RunRecord(Record):
    """Everything needed to say what a run was and to reproduce it."""

    run_id: str
    created_at: datetime
    genjudge_version: str
    git_revision: str | None
    python_version: str
    packages: dict[str, str] = Field(default_factory=dict)
    """Versions of the packages that change numbers (numpy, scipy, sklearn, ...)."""
    task: TaskKind
    set_fingerprint: str
    inputs_hash: str
    """sha256 over the config, the set fingerprint and the output files' content."""
    config: dict[str, Any]
    seed: int
    same_inputs_as: str | None = None
    """Run id of an earlier run with identical inputs, if any."""
