"""The run's typed context: its settings and what each stage of :mod:`genjudge.runner` has made."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genjudge.checks.base import CheckResult
from genjudge.config import RunConfig
from genjudge.engines import Engine, LocalEngine
from genjudge.findings import Finding
from genjudge.io.outputs import ModelOutputs
from genjudge.progress import ProgressTracker
from genjudge.records import MetricValue, RunRecord, SetManifest
from genjudge.report.model import Report

__all__ = ["MAKES", "RunResult", "RunState"]

MAKES = {
    "load": {
        "manifest",
        "slices",
        "rare_classes",
        "teacher",
        "student",
        "frame",
        "checks",
        "judge_validation",
        "validation_decisions",
        "harness",
    },
    "score": {"results", "table", "item_status"},
    "aggregate": {"metrics", "operations"},
    "find": {"findings"},
    "store": {"record", "report"},
    "report": {"report_dir"},
}
"""Stage name -> the parts of the state it makes, in stage order."""


@dataclass
class RunState:
    """The run's context: its settings, and what each stage has made so far."""

    config: RunConfig
    config_dir: Path
    store_url: str
    write_report: bool = True
    progress: ProgressTracker = field(default_factory=ProgressTracker)
    engine: Engine = field(default_factory=LocalEngine)
    """Where the score stage's per-item check work runs (:mod:`genjudge.engines`)."""
    # load
    manifest: SetManifest | None = None
    slices: list[str] | None = None
    """Slice columns of the metrics: the configured (or the manifest's) plus ``rare_class``."""
    rare_classes: list[str] | None = None
    teacher: ModelOutputs | None = None
    student: ModelOutputs | None = None
    frame: pd.DataFrame | None = None
    checks: list[Any] | None = None
    harness: dict[str, Any] | None = None
    """How the outputs were produced (:func:`genjudge.harness.harness_summary`): settings records,
    the settings that differ between teacher and student, and the facts for operations."""
    judge_validation: dict[str, Any] | None = None
    """Per judge rubric id: its :class:`~genjudge.validation.RubricStanding`."""
    validation_decisions: dict[str, Any] | None = None
    """Per judge rubric id: the decision made on a rated sample of this set, accepted or not (its human
    labels correct the judge's numbers)."""
    # score
    results: list[CheckResult] | None = None
    table: pd.DataFrame | None = None
    item_status: np.ndarray | None = None
    # aggregate
    metrics: list[MetricValue] | None = None
    operations: dict[str, Any] | None = None
    """Latency, tokens and cost of both models and what the student saves (None when the outputs carry none)."""
    # find
    findings: list[Finding] | None = None
    # store
    record: RunRecord | None = None
    # report
    report: Report | None = None
    report_dir: Path | None = None
    attempt: Any = None
    clusters: np.ndarray | None = None
    """Cluster code per row of the frame when the config names a ``cluster`` column (the resampling unit)."""
    """The run's mark in the store (:class:`genjudge.outcome.Attempt`), from scoring until it is saved."""

    @property
    def confidence(self) -> float:
        """The confidence level of every interval of the run."""
        return self.config.bootstrap.confidence

    def need(self, name: str) -> Any:
        """The part ``name`` of the state, or an error naming the stage that makes it."""
        value = getattr(self, name)
        if value is None:
            maker = next((stage for stage, parts in MAKES.items() if name in parts), "?")
            raise RuntimeError(f"the run state has no {name!r} yet: run the {maker!r} stage first")
        return value

    @property
    def specs(self) -> list[Any]:
        return [spec for c in self.need("checks") for spec in c.metrics()]


@dataclass
class RunResult:
    """What a run produced."""

    record: RunRecord
    report: dict[str, Any]
    """``report.json``'s content (the JSON form of :attr:`model`)."""
    table: pd.DataFrame
    """The per-example table."""
    report_dir: Path | None
    model: Report
    """The typed report."""
    store_url: str | None = None
    """The store the run was saved in."""
