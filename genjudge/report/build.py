"""The report as data: every number, its denominator and interval, the counts, the findings.

``report.json`` is the :class:`~genjudge.report.model.Report` built here; Markdown and HTML render
its JSON form and compute nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from genjudge.checks.base import CheckResult
from genjudge.config import RunConfig
from genjudge.findings import Finding
from genjudge.operations import operations_summary
from genjudge.records import MetricValue, RunRecord, SetManifest, Status
from genjudge.report.model import Report
from genjudge.report.sections import SectionInputs, build_sections

HEADLINE = (
    ("agreement_rate", "student_vs_teacher"),
    ("accuracy_score", "student"),
    ("accuracy_score", "teacher"),
    ("reference_match_rate", "student"),
    ("reference_match_rate", "teacher"),
    ("macro_f1_score", "student"),
    ("macro_f1_score", "teacher"),
)


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
) -> Report:
    """Assemble the report; validating it against the model catches a malformed section here."""
    n = len(frame)
    by_check = {c.name: status_counts(r.status, r.reason) for c, r in zip(instances, results, strict=True)}
    headline = {}
    for name, subject in HEADLINE:
        for m in metrics:
            if m.metric == name and m.subject == subject and m.slice_column is None and m.label is None:
                headline[f"{subject}.{name}"] = {
                    "value": m.value,
                    "n": m.n,
                    "ci_low": m.ci_low,
                    "ci_high": m.ci_high,
                }
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
        "settings": {
            "bootstrap": config.bootstrap.model_dump(),
            "min_support": config.min_support,
            "cluster": config.cluster,
            "rare_class_share": config.rare_class_share,
            "checks": config.check_specs(),
        },
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
        "operations": operations_summary(frame),
    }
    return Report.model_validate(body)
