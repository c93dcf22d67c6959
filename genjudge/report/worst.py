"""The worst examples per slice value, with teacher, student and reference side by side.

Items are ranked by the run's primary per-item fidelity score: the first of :data:`SCORE_COLUMNS`
the per-example table holds (the judge's equivalence, field F1 against the teacher, embedding
similarity, exact agreement), lowest first; the later columns of the list break ties, then the id.
Items already at the table's best score are not "worst" and are left out, as are items without a
score (they are counted under Items with their reasons). Texts carry word-level highlights
(:func:`genjudge.report.diff.word_diff`): teacher against student, and the reference against the
student.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from genjudge.report.diff import Piece, word_diff

__all__ = [
    "CLIP",
    "CLIP_LINES",
    "Example",
    "SCORE_COLUMNS",
    "SliceExamples",
    "Text",
    "score_column",
    "worst_examples",
]

SCORE_COLUMNS = (
    "judge_equivalence.equivalent",
    "extraction_fields.student_vs_teacher.f1",
    "embedding_similarity.student_vs_teacher.cosine",
    "exact_match.agree",
)
CLIP = 320
"""Characters of a text shown before the rest is folded into a <details>."""
CLIP_LINES = 8
"""Lines of a text shown before the rest is folded (OCR text is many short lines)."""


@dataclass(frozen=True)
class Text:
    pieces: list[Piece]
    clipped: list[Piece] | None
    """The first :data:`CLIP` characters, when the text is longer; None otherwise."""


@dataclass(frozen=True)
class Example:
    id: str
    score: str
    input: Text
    teacher: Text
    student: Text
    reference: Text | None


@dataclass(frozen=True)
class SliceExamples:
    column: str
    value: str
    n_below_best: int
    examples: list[Example]


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _clip(pieces: list[Piece]) -> Text:
    text = "".join(p.text for p in pieces)
    limit = CLIP
    newlines = [k for k, ch in enumerate(text) if ch == "\n"]
    if len(newlines) >= CLIP_LINES:
        limit = min(limit, newlines[CLIP_LINES - 1])
    if len(text) <= limit:
        return Text(pieces, None)
    out, left = [], limit
    for p in pieces:
        if left <= 0:
            break
        out.append(Piece(p.text[:left], p.changed))
        left -= len(p.text)
    return Text(pieces, [*out, Piece("…", False)])


def _example(row: Any, score_column: str) -> Example:
    teacher, student = _text(row.get("teacher")), _text(row.get("student"))
    pair = word_diff(teacher, student)
    reference = _text(row.get("reference"))
    ref = _clip(word_diff(reference, student).a) if reference else None
    return Example(
        id=_text(row.get("id")),
        score=f"{score_column} = {float(row[score_column]):.3g}",
        input=_clip([Piece(_text(row.get("input")), False)]),
        teacher=_clip(pair.a),
        student=_clip(pair.b),
        reference=ref,
    )


def score_column(table: Any) -> str | None:
    """The primary per-item score of this table (see :data:`SCORE_COLUMNS`), or None."""
    return next((c for c in SCORE_COLUMNS if c in table.columns), None)


def worst_examples(
    table: Any, slices: list[str], per_value: int = 3
) -> tuple[str | None, list[SliceExamples]]:
    """The primary score's column and, per slice value, its ``per_value`` worst items."""
    import pandas as pd

    column = score_column(table)
    if column is None or table.empty:
        return column, []
    keys = [c for c in SCORE_COLUMNS if c in table.columns]
    frame = table.copy()
    for key in keys:
        frame[key] = pd.to_numeric(frame[key], errors="coerce")
    frame = frame[frame[column].notna()]
    frame = frame[frame[column] < frame[column].max()]
    frame = frame.sort_values([*keys, "id"], kind="stable") if "id" in frame else frame.sort_values(keys)
    out = []
    for slice_column in slices:
        if slice_column not in table.columns:
            continue
        values = sorted({str(v) for v in table[slice_column].dropna()})
        for value in values:
            group = frame[frame[slice_column].astype(str) == value]
            examples = [_example(row, column) for row in group.head(per_value).to_dict("records")]
            out.append(SliceExamples(slice_column, value, len(group), examples))
    return column, out
