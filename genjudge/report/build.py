"""The report as data: every number, its denominator and interval, the counts, the findings.

``report.json`` is this dictionary; Markdown and HTML render it and compute nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from genjudge.checks.base import CheckResult
from genjudge.config import RunConfig
from genjudge.findings import findings
from genjudge.operations import operations_summary
from genjudge.records import SCHEMA_VERSION, MetricValue, RunRecord, SetManifest, Status

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
) -> dict[str, Any]:
    """Assemble the report dictionary."""
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
    return {
        "schema_version": SCHEMA_VERSION,
        "run": record.model_dump(mode="json"),
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
        "metrics": [m.model_dump(mode="json") for m in metrics],
        "slices": slice_sizes,
        "findings": [f.model_dump() for f in findings(metrics, config.findings, task=config.task)],
        "sections": {
            **{c.name: r.sections for c, r in zip(instances, results, strict=True) if r.sections},
            **cross_check_sections(table),
        },
        "notes": [note for r in results for note in r.notes],
        "operations": operations_summary(frame),
    }


def cross_check_sections(table: pd.DataFrame) -> dict[str, Any]:
    """Tables that read two checks together: where the judge and embedding similarity disagree most."""
    from genjudge.embed.disagreement import JUDGE_COLUMN, SIMILARITY_COLUMN, judge_similarity_disagreements

    if SIMILARITY_COLUMN not in table or JUDGE_COLUMN not in table:
        return {}
    worst = judge_similarity_disagreements(table, k=10)
    if worst.empty:
        return {}
    header = list(worst.columns)
    rows = [[_cell(v) for v in row] for row in worst.itertuples(index=False)]
    return {
        "judge_vs_similarity": {
            "disagreements": {
                "title": "Where the judge and embedding similarity disagree most",
                "header": header,
                "rows": rows,
                "note": (
                    "similarity is ranked among scored items (0-1); disagreement = |judge - rank|. "
                    "Similar but judged different is where a reused-words contradiction hides."
                ),
            }
        }
    }


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    return value
