"""The aligned per-item frame every check reads (see :mod:`genjudge.checks.base`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genjudge.errors import ConfigError
from genjudge.io.evalset import EvalSet
from genjudge.io.outputs import NUMERIC, ModelOutputs
from genjudge.records import TaskKind
from genjudge.slicing import critical_values, cross_parts, crossed_column

MISSING_SLICE = "(missing)"
"""Slice value of an item whose slice column is empty: a slice of its own, never dropped."""
RARE_CLASS = "rare_class"


def build_frame(
    evalset: EvalSet, slices: list[str], teacher: ModelOutputs, student: ModelOutputs
) -> pd.DataFrame:
    """One row per item of the set, in set order, with both models' outputs aligned by id."""
    ids = evalset.ids
    data: dict[str, object] = {
        "id": ids,
        "input": [r["input"] for r in evalset.rows],
        "reference": [r.get("reference") for r in evalset.rows],
    }
    for column in slices:
        parts: dict[str, list[str | None]] = {
            part: [MISSING_SLICE if r.get(part) is None else str(r[part]) for r in evalset.rows]
            for part in cross_parts(column)
        }
        data[column] = crossed_column(parts, column) if len(parts) > 1 else parts[column]
    for side, outputs in (("teacher", teacher), ("student", student)):
        data[side] = [outputs.outputs.get(i) for i in ids]
        data[f"{side}_probs"] = [outputs.probs.get(i) for i in ids]
        data[f"{side}_logprobs"] = [outputs.logprobs.get(i) for i in ids]
        data[f"{side}_confidence"] = np.array([outputs.confidence.get(i, np.nan) for i in ids], dtype=float)
        data[f"{side}_error"] = [outputs.errors.get(i) for i in ids]
        for name in NUMERIC:
            values = outputs.numbers.get(name, {})
            data[f"{side}_{name}"] = np.array([values.get(i, np.nan) for i in ids], dtype=float)
    frame = pd.DataFrame(data)
    for side in ("teacher", "student"):
        # Rows the output file lacked are None; keep explicit None rather than NaN in object columns.
        frame[side] = frame[side].astype(object).where(frame[side].notna(), None)
    return frame


def add_rare_class_slice(frame: pd.DataFrame, task: TaskKind, share: float) -> list[str]:
    """For classification, give each class under ``share`` of the set a slice of its own.

    The class of an item is its reference label, or the teacher's where the reference is absent.
    Returns the rare classes (sorted); the ``rare_class`` column is None for other items.
    """
    if task is not TaskKind.CLASSIFICATION or share <= 0:
        return []
    label = class_labels(frame)
    rare = rare_classes(label.value_counts(dropna=True).to_dict(), len(frame), share)
    mark_rare_classes(frame, label, rare)
    return rare


def class_labels(frame: pd.DataFrame) -> pd.Series:
    """Each item's class: its reference label, else the teacher's (None where neither is given)."""
    label = frame["reference"].where(frame["reference"].notna(), frame["teacher"])
    return label.map(lambda v: None if v is None else str(v).strip())


def rare_classes(counts: Mapping[Any, int], items: int, share: float) -> list[str]:
    """The classes (sorted) holding under ``share`` of ``items``, from each class's item count."""
    return sorted(str(c) for c, n in counts.items() if n / items < share)


def mark_rare_classes(frame: pd.DataFrame, label: pd.Series, rare: list[str]) -> None:
    """The ``rare_class`` column: an item's class where it is one of ``rare``, else None (no column
    when there is none)."""
    if rare:
        frame[RARE_CLASS] = label.where(label.isin(rare), None)


def check_critical(critical: dict[str, Any], frame: pd.DataFrame, where: Path) -> None:
    """Refuse a ``critical:`` declaration that names a value the set lacks (its columns are slices of
    the run, checked with them)."""
    for column, declared in critical.items():
        present = {str(v).casefold() for v in frame[column].dropna().unique()}
        wanted = critical_values(declared)
        if not present & wanted:
            raise ConfigError(
                f"critical: {column}={declared!r} matches no item of {where} "
                f"(values there: {', '.join(sorted(map(str, frame[column].dropna().unique())))})"
            )
