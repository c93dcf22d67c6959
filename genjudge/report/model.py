"""The report as one typed model: what ``report.json`` holds, field by field.

:func:`genjudge.report.build.build_report` fills a :class:`Report`; ``report.json`` is its JSON, and
``docs/report.schema.json`` is its JSON Schema (``python -m genjudge.report.model`` rewrites it; a
test keeps the committed file equal to the model). Renderers (Markdown, HTML, the terminal) read
the JSON form and compute nothing.

``schema_version`` changes when a field is removed, renamed or changes meaning; added optional
fields keep it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from genjudge.config import BootstrapSettings
from genjudge.findings import Finding
from genjudge.records import MetricValue, RunRecord
from genjudge.report.verdict import ReleaseVerdict

__all__ = [
    "Counts",
    "Headline",
    "ItemColumn",
    "REPORT_SCHEMA_VERSION",
    "Report",
    "ReportSettings",
    "SetInfo",
    "SliceSize",
    "StatusCounts",
    "json_schema",
]

REPORT_SCHEMA_VERSION: Literal[1] = 1


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SetInfo(_Part):
    """The frozen evaluation set the run scored."""

    path: str
    fingerprint: str
    """sha256 over the canonical rows (see ``genjudge freeze``)."""
    rows: int
    slices: list[str]
    """Slice columns the metrics are broken down by (``rare_class`` included when present)."""
    rare_classes: list[str]
    """Classes under the configured share of the set, grouped in the ``rare_class`` slice."""


class ReportSettings(_Part):
    """The settings that decide the numbers."""

    bootstrap: BootstrapSettings
    """Resamples, confidence level (the intervals' coverage) and seed of every interval."""
    min_support: int
    rare_class_share: float
    checks: dict[str, dict[str, Any]]
    """Checks by name with their options."""
    cluster: str | None = None
    """The column whose values are the resampling unit (items sharing a value are not independent);
    None = items are resampled one by one."""
    critical: dict[str, Any] = Field(default_factory=dict)
    """The run config's ``critical:`` declaration: slice column -> the value(s) that are critical."""


class StatusCounts(_Part):
    """Items per status, and the reasons of those not scored."""

    ok: int
    unscored: int
    error: int
    reasons: dict[str, int]
    """Reason -> items, most common first, for items not ok."""


class Counts(StatusCounts):
    """The items of the run: per status over all checks (the worst check decides), and per check."""

    items: int
    by_check: dict[str, StatusCounts]


class Headline(_Part):
    """One headline number with its denominator and interval."""

    value: float | None
    n: int
    ci_low: float | None
    ci_high: float | None


class SliceSize(_Part):
    """How many items one slice value holds, and whether that is under ``min_support``."""

    column: str
    value: str
    n: int
    too_small: bool


class ItemColumn(_Part):
    """Which column of the per-example table a whole-set mean metric averages (rows with status ok).

    What ``genjudge compare`` and ``genjudge gate`` pair two runs on, item by item."""

    metric: str
    subject: str
    family: str
    column: str
    """A column of ``examples.parquet`` / the store's per-example rows (e.g. ``exact_match.agree``)."""
    status_column: str
    """The column holding that check's per-item status (``ok`` / ``unscored`` / ``error``)."""
    judge_based: bool = False


class Report(_Part):
    """Everything a run reports. ``report.json`` is this model's JSON."""

    schema_version: Literal[1] = REPORT_SCHEMA_VERSION
    """Version of this layout."""
    run: RunRecord
    """What the run was and how to reproduce it."""
    set: SetInfo
    settings: ReportSettings
    counts: Counts
    missing_outputs: dict[str, list[str]]
    """Per model (``teacher``, ``student``): ids of the set with no output row."""
    headline: dict[str, Headline]
    """``subject.metric`` -> the overall value, for the metrics a listing shows first."""
    metrics: list[MetricValue]
    """Every number: overall, per slice value and per class."""
    slices: list[SliceSize]
    findings: list[Finding]
    """The report's sentences, each quoting the numbers it rests on."""
    sections: dict[str, Any] = Field(default_factory=dict)
    """Per check (and cross-check): extra tables and counts, JSON-able."""
    notes: list[str] = Field(default_factory=list)
    """Sentences the report must state (truncation, parsing rules...)."""
    operations: dict[str, Any] | None = None
    """Latency, tokens and cost of teacher and student, and what the student saves; None when the
    output files carry none."""
    outcome: dict[str, Any] | None = None
    """Whether the evaluation did its job: ``status`` (ok / failed), the share of items it could not
    score against ``max_failure_share``, and the reasons by kind (:mod:`genjudge.outcome`)."""
    item_columns: list[ItemColumn] = Field(default_factory=list)
    """The per-item column behind each mean metric (not the confusion-matrix metrics: macro and
    per-class precision / recall / F1 are not means of an item column)."""
    unscored_bounds: list[dict[str, Any]] = Field(default_factory=list)
    """Per judged rate: its value over the scored items and the bounds with every unscored item
    counted as 0 and as 1."""
    verdict: ReleaseVerdict | None = None
    """Ready / not ready / cannot tell, with two or three sentences quoting the numbers
    (:mod:`genjudge.report.verdict`); None in reports written before it existed."""

    @property
    def confidence(self) -> float:
        """The intervals' confidence level."""
        return self.settings.bootstrap.confidence


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``report.json``."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":  # python -m genjudge.report.model [PATH]
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report.schema.json")
    target.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {target}")
