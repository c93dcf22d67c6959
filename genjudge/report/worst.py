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
    "StreamedWorst",
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


def _ranked(table: Any) -> tuple[str | None, Any]:
    """The primary score's column, and the items that have it, ranked worst first (the score
    columns as numbers; ties broken by the later score columns, then the id)."""
    import pandas as pd

    column = score_column(table)
    if column is None or table.empty:
        return column, table.iloc[0:0]
    keys = [c for c in SCORE_COLUMNS if c in table.columns]
    frame = table.copy()
    for key in keys:
        frame[key] = pd.to_numeric(frame[key], errors="coerce")
    frame = frame[frame[column].notna()]
    frame = frame.sort_values([*keys, "id"], kind="stable") if "id" in frame else frame.sort_values(keys)
    return column, frame


def _groups(
    ranked: Any,
    column: str,
    values: dict[str, list[str]],
    per_value: int,
    below_best: dict[tuple[str, str], int] | None = None,
) -> list[SliceExamples]:
    """Per slice column and value (``values``, in order), the first ``per_value`` items of
    ``ranked`` (the items below the best score); ``below_best``: their counts, where ``ranked``
    holds only some of them."""
    out = []
    for slice_column, names in values.items():
        for value in names:
            group = ranked[ranked[slice_column].astype(str) == value]
            n = len(group) if below_best is None else below_best[slice_column, value]
            examples = [_example(row, column) for row in group.head(per_value).to_dict("records")]
            out.append(SliceExamples(slice_column, value, n, examples))
    return out


def worst_examples(
    table: Any, slices: list[str], per_value: int = 3
) -> tuple[str | None, list[SliceExamples]]:
    """The primary score's column and, per slice value, its ``per_value`` worst items."""
    column, frame = _ranked(table)
    if column is None or table.empty:
        return column, []
    frame = frame[frame[column] < frame[column].max()]
    values = {c: sorted({str(v) for v in table[c].dropna()}) for c in slices if c in table.columns}
    return column, _groups(frame, column, values, per_value)


class StreamedWorst:
    """:func:`worst_examples` over a set that comes a chunk at a time, in bounded memory.

    Feed each chunk's per-example table to :meth:`add`; :meth:`result` equals
    ``worst_examples`` on the whole table. Kept between chunks: per slice value its ``per_value``
    lowest-ranked items (the ranking is a total order, so the lowest of the whole set are among the
    lowest of each chunk), the count of its scored items and of those at the best score so far.
    """

    KEEP = ("id", "input", "teacher", "student", "reference")

    def __init__(self, slices: list[str], per_value: int = 3) -> None:
        self.slices, self.per_value = slices, per_value
        self.column: str | None = None
        self.best = -math.inf
        self.kept: Any = None
        self.values: dict[str, set[str]] = {}
        self.scored: dict[tuple[str, str], int] = {}
        self.at_best: dict[tuple[str, str], int] = {}

    def add(self, table: Any) -> None:
        """Fold in one chunk's per-example table."""
        import numpy as np
        import pandas as pd

        columns = [c for c in self.slices if c in table.columns]
        for c in columns:
            self.values.setdefault(c, set()).update(str(v) for v in table[c].dropna())
        keep = [c for c in table.columns if c in self.KEEP or c in SCORE_COLUMNS or c in columns]
        column, ranked = _ranked(table[keep])
        self.column = self.column or column
        if column is None or ranked.empty:
            return
        top = ranked[column].max()
        if top > self.best:
            self.best, self.at_best = top, {}
        for c in columns:
            labels = ranked[c].astype(str).where(ranked[c].notna())
            for value, n in labels.value_counts().items():
                self.scored[c, value] = self.scored.get((c, value), 0) + int(n)
            for value, n in labels[ranked[column] == self.best].value_counts().items():
                self.at_best[c, value] = self.at_best.get((c, value), 0) + int(n)
        _, frame = _ranked(ranked if self.kept is None else pd.concat([self.kept, ranked]))
        chosen = np.zeros(len(frame), dtype=bool)
        for c in columns:
            chosen |= (frame.groupby(frame[c].astype(str), sort=False).cumcount() < self.per_value).to_numpy()
        self.kept = frame[chosen].reset_index(drop=True)

    def result(self) -> tuple[str | None, list[SliceExamples]]:
        """What :func:`worst_examples` gives on the whole table."""
        if self.column is None:
            return None, []
        values = {c: sorted(self.values[c]) for c in self.slices if c in self.values}
        below = {
            (c, v): self.scored.get((c, v), 0) - self.at_best.get((c, v), 0)
            for c, names in values.items()
            for v in names
        }
        if self.kept is None:  # nothing scored
            return self.column, [SliceExamples(c, v, 0, []) for c, names in values.items() for v in names]
        frame = self.kept[self.kept[self.column] < self.best]
        return self.column, _groups(frame, self.column, values, self.per_value, below)
