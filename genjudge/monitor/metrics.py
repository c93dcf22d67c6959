"""A window's items as a frame, and its sliced metrics through the run's aggregation.

Classification: the student's label against the labeller's (agreement with the teacher, or
accuracy against the humans) and the confusion-based precision / recall / F1, per slice; with
references in the traffic, the student's accuracy against them too. Generation with a teacher:
the run's ``embedding_similarity`` check (cosine of student and teacher outputs); with humans:
the mean human rating of the student's outputs. Every number goes through
:func:`genjudge.aggregate.aggregate`, so it has its denominator and interval as in a run.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from genjudge.aggregate import Settings, aggregate
from genjudge.checks.base import ConfusionMetrics, MeanMetric, MetricSpec, RunContext
from genjudge.checks.normalize import normalize_label
from genjudge.io.canonical import is_absent
from genjudge.monitor.config import MonitorConfig
from genjudge.records import Family, TaskKind

__all__ = ["SCORE_COLUMN", "item_frame", "window_metrics"]

SCORE_COLUMN = "monitor.score"
"""Generation: the per-item score whose distribution is watched (cosine to the teacher, or the
mean human rating)."""


def _slice_value(value: Any) -> str | None:
    return None if value is None else str(value)


def item_frame(
    config: MonitorConfig, rows: list[dict[str, Any]], human: dict[str, Any] | None
) -> pd.DataFrame:
    """One row per item: id, timestamp, input, student, reference, label (+ its reason), slices."""
    records = []
    for row in rows:
        data = json.loads(row["data"])
        label: Any = None
        reason: str | None = None
        if human is not None:
            h = human.get(row["item_id"])
            label, reason = (h.value, h.reason) if h is not None else (None, "no human rating")
        elif row.get("label") is not None:
            label = json.loads(row["label"])["text"]
        else:
            reason = row.get("label_error") or "not labelled yet"
        records.append(
            {
                "id": row["item_id"],
                "timestamp": row["timestamp"],
                "input": data.get(config.input_field),
                "student": data.get(config.output_field),
                "reference": data.get(config.reference_field),
                "label": label,
                "label_reason": reason if label is None else None,
                **{c: _slice_value(data.get(c)) for c in config.slices},
            }
        )
    columns = ["id", "timestamp", "input", "student", "reference", "label", "label_reason", *config.slices]
    return pd.DataFrame.from_records(records, columns=columns)


def _classification(config: MonitorConfig, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[MetricSpec]]:
    table = frame.copy()
    label = np.array([None if is_absent(v) else normalize_label(v) for v in frame["label"]], dtype=object)
    student = np.array([None if is_absent(v) else normalize_label(v) for v in frame["student"]], dtype=object)
    table["monitor.label"] = label
    table["monitor.student"] = student
    table["monitor.agree"] = [
        np.nan if t is None else float(t == s) for t, s in zip(label, student, strict=True)
    ]
    by_teacher = config.teacher is not None
    family = Family.FIDELITY if by_teacher else Family.QUALITY
    subject = "student_vs_teacher" if by_teacher else "student"
    name = "agreement_rate" if by_teacher else "accuracy_score"
    specs: list[MetricSpec] = [
        MeanMetric(name, family, subject, "monitor.agree"),
        ConfusionMetrics(family, subject, "monitor.label", "monitor.student"),
    ]
    if by_teacher and frame["reference"].notna().any():
        ref = [None if is_absent(v) else normalize_label(v) for v in frame["reference"]]
        table["monitor.student_correct"] = [
            np.nan if r is None else float(r == s) for r, s in zip(ref, student, strict=True)
        ]
        specs.append(MeanMetric("accuracy_score", Family.QUALITY, "student", "monitor.student_correct"))
    return table, specs


async def _generation(
    config: MonitorConfig, frame: pd.DataFrame, ctx: RunContext
) -> tuple[pd.DataFrame, list[MetricSpec]]:
    table = frame.copy()
    if config.teacher is None:
        table[SCORE_COLUMN] = pd.to_numeric(frame["label"], errors="coerce").astype(float)
        return table, [MeanMetric("human_rating_score", Family.QUALITY, "student", SCORE_COLUMN)]
    from genjudge.checks.embedding_similarity import EmbeddingSimilarity, EmbeddingSimilarityOptions

    check = EmbeddingSimilarity(
        TaskKind.GENERATION, EmbeddingSimilarityOptions(threshold=config.similarity_threshold)
    )
    checked = frame.assign(teacher=frame["label"])
    result = await check.score(checked, ctx)
    for name, values in result.columns.items():
        table[name] = values
    table[SCORE_COLUMN] = table["embedding_similarity.student_vs_teacher.cosine"]
    has_reference = frame["reference"].notna().any()
    specs: list[MetricSpec] = [
        s
        for s in check.metrics()
        if isinstance(s, MeanMetric) and (has_reference or s.subject == "student_vs_teacher")
    ]
    return table, specs


async def window_metrics(
    config: MonitorConfig, frame: pd.DataFrame, ctx: RunContext
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The per-item table and the metric rows of one window (whole window, then every slice)."""
    if config.task is TaskKind.CLASSIFICATION:
        table, specs = _classification(config, frame)
    else:
        table, specs = await _generation(config, frame, ctx)
    settings = Settings(resamples=config.resamples, confidence=config.confidence, seed=config.seed)
    values = aggregate(table, specs, list(config.slices), settings)
    rows = [
        {
            "metric": v.metric,
            "subject": v.subject,
            "label": v.label,
            "slice_column": v.slice_column,
            "slice_value": v.slice_value,
            "value": v.value,
            "n": v.n,
            "ci_low": v.ci_low,
            "ci_high": v.ci_high,
            "ci_method": v.ci_method,
        }
        for v in values
    ]
    return table, rows
