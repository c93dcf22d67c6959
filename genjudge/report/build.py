"""The report as data: every number, its denominator and interval, the counts, the findings.

``report.json`` is the :class:`~genjudge.report.model.Report` built here; Markdown and HTML render
its JSON form and compute nothing.
"""

from __future__ import annotations

from collections import Counter
from fnmatch import fnmatchcase
from typing import Any

import numpy as np
import pandas as pd

from genjudge.checks.base import CheckResult, MeanMetric
from genjudge.config import RunConfig
from genjudge.findings import Finding
from genjudge.records import MetricValue, RunRecord, SetManifest, Status, TaskKind
from genjudge.report.model import Report
from genjudge.report.sections import SectionInputs, build_sections

# The numbers a listing shows first, per task: what decides the question for that kind of output.
# Free text and JSON are not judged by exact match: generation leads with judged equivalence and
# similarity, extraction with field F1 and schema adherence. ``*`` matches any rubric id.
HEADLINE: dict[TaskKind, tuple[tuple[str, str], ...]] = {
    TaskKind.CLASSIFICATION: (
        ("agreement_rate", "student_vs_teacher"),
        ("accuracy_score", "student"),
        ("accuracy_score", "teacher"),
        ("reference_match_rate", "student"),
        ("reference_match_rate", "teacher"),
        ("macro_f1_score", "student"),
        ("macro_f1_score", "teacher"),
    ),
    TaskKind.EXTRACTION: (
        ("field_f1_score", "student_vs_teacher"),
        ("field_f1_score", "student"),
        ("field_f1_score", "teacher"),
        ("schema_adherence_rate", "student"),
        ("schema_adherence_rate", "teacher"),
    ),
    TaskKind.GENERATION: (
        ("judge_equivalence_rate", "student_vs_teacher"),
        ("embedding_similarity_score", "student_vs_teacher"),
        ("reference_similarity_score", "student"),
        ("reference_similarity_score", "teacher"),
        ("judge_*_score", "student"),
        ("judge_*_score", "teacher"),
    ),
}


def headline_numbers(task: TaskKind, metrics: list[MetricValue]) -> dict[str, dict[str, Any]]:
    """``subject.metric`` -> value, n and interval of the task's headline metrics, in that order."""
    overall = [m for m in metrics if m.slice_column is None and m.label is None]
    out: dict[str, dict[str, Any]] = {}
    for name, subject in HEADLINE[task]:
        for m in overall:
            if m.subject == subject and fnmatchcase(m.metric, name):
                out[f"{subject}.{m.metric}"] = {
                    "value": m.value,
                    "n": m.n,
                    "ci_low": m.ci_low,
                    "ci_high": m.ci_high,
                }
    return out


def status_counts(status: np.ndarray, reason: np.ndarray) -> dict[str, Any]:
    """Counts per status and, for the others, per reason."""
    counts = Counter(status.tolist())
    reasons = Counter(r for s, r in zip(status, reason, strict=False) if s != Status.OK.value)
    return {
        "ok": counts.get(Status.OK.value, 0),
        "unscored": counts.get(Status.UNSCORED.value, 0),
        "error": counts.get(Status.ERROR.value, 0),
        "reasons": dict(reasons.most_common()),
    }


def build_report(
    record: RunRecord,
    manifest: SetManifest,
    config: RunConfig,
    frame: pd.DataFrame,
    table: pd.DataFrame,
    item_status: np.ndarray,
    instances: list[Any],
    results: list[CheckResult],
    metrics: list[MetricValue],
    slices: list[str],
    rare_classes: list[str],
    missing: dict[str, list[str]],
    found: list[Finding],
    operations: dict[str, Any] | None,
) -> Report:
    """Assemble the report; validating it against the model catches a malformed section here."""
    n = len(frame)
    by_check = {c.name: status_counts(r.status, r.reason) for c, r in zip(instances, results, strict=True)}
    headline = headline_numbers(record.task, metrics)
    slice_sizes = [
        {"column": column, "value": str(value), "n": int(count), "too_small": int(count) < config.min_support}
        for column in slices
        for value, count in table[column].value_counts(dropna=True).sort_index().items()
    ]
    extra_sections, section_notes = build_sections(SectionInputs(config, table, metrics), set(by_check))
    body = {
        "run": record,
        "set": {
            "path": str(config.set),
            "fingerprint": manifest.fingerprint,
            "rows": manifest.rows,
            "slices": slices,
            "rare_classes": rare_classes,
        },
        "settings": run_settings(config),
        "counts": {
            "items": n,
            **status_counts(item_status, table["reason"].to_numpy()),
            "by_check": by_check,
        },
        "missing_outputs": missing,
        "headline": headline,
        "metrics": metrics,
        "slices": slice_sizes,
        "findings": found,
        "sections": {
            **{c.name: r.sections for c, r in zip(instances, results, strict=True) if r.sections},
            **extra_sections,
        },
        "notes": [note for r in results for note in r.notes] + section_notes,
        "operations": operations,
        "item_columns": [
            {
                "metric": spec.name,
                "subject": spec.subject,
                "family": spec.family.value,
                "column": spec.column,
                "status_column": f"{c.name}.status",
                "judge_based": spec.judge_based,
            }
            for c in instances
            for spec in c.metrics()
            if isinstance(spec, MeanMetric)
        ],
    }
    return Report.model_validate(body)


def run_settings(config: Any) -> dict[str, Any]:
    """The report's ``settings``: what the run was configured to do (a local or a streamed run)."""
    return {
        "bootstrap": config.bootstrap.model_dump(),
        "min_support": config.min_support,
        "cluster": config.cluster,
        "critical": config.critical,
        "rare_class_share": config.rare_class_share,
        "checks": config.check_specs(),
    }
