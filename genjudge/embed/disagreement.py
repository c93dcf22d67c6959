"""Where the judge and embedding similarity disagree most.

Similarity and a judged-equivalence verdict measure different things (see docs/checks.md): a
paraphrase can score low on similarity yet be equivalent, and a contradiction that reuses the
teacher's words ("was" / "was not") scores high. The items where the two disagree most are the
ones worth reading. To put the two on one scale the similarity is replaced by its percentile rank
among the scored items (so a model whose cosines all sit in [0.7, 1] is not penalised), and the
disagreement of an item is

    d = | judge - rank(similarity) |,    judge in [0, 1] (1 = equivalent), rank in [0, 1]

Columns expected in the per-example frame (the report calls this only when both are present):

- ``embedding_similarity.student_vs_teacher.cosine`` (this package), and
- ``judge_equivalence.equivalent`` (the judged-equivalence check: 1 equivalent, 0 not, NaN
  unscored; a fractional value such as the mean over both orders is accepted as is).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from genjudge.io.canonical import is_absent

__all__ = ["JUDGE_COLUMN", "SIMILARITY_COLUMN", "judge_similarity_disagreements"]

SIMILARITY_COLUMN = "embedding_similarity.student_vs_teacher.cosine"
JUDGE_COLUMN = "judge_equivalence.equivalent"


def judge_similarity_disagreements(
    per_example: pd.DataFrame,
    *,
    k: int = 10,
    similarity_column: str = SIMILARITY_COLUMN,
    judge_column: str = JUDGE_COLUMN,
    text_columns: tuple[str, ...] = ("teacher", "student", "judge_equivalence.rationale"),
    max_chars: int = 200,
) -> pd.DataFrame:
    """The ``k`` items with the largest judge / similarity disagreement, largest first.

    Rows where either value is NaN are left out (never treated as 0). Returns columns ``id``,
    ``similarity``, ``similarity_rank``, ``judge``, ``disagreement``, ``direction`` (``similar but
    judged different`` or ``dissimilar but judged equivalent``) and the text columns, shortened
    to ``max_chars``. Ties are broken by id so the table is deterministic.
    """
    for column in (similarity_column, judge_column):
        if column not in per_example:
            raise KeyError(f"per-example frame has no column {column!r}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    sim = pd.to_numeric(per_example[similarity_column], errors="coerce")
    judge = pd.to_numeric(per_example[judge_column], errors="coerce")
    keep = sim.notna() & judge.notna()
    frame = per_example.loc[keep]
    if frame.empty:
        return pd.DataFrame(
            columns=["id", "similarity", "similarity_rank", "judge", "disagreement", "direction"]
        )
    sim, judge = sim[keep], judge[keep]
    # Percentile rank in [0, 1]; average ranks for ties so equal cosines get equal ranks.
    rank = (sim.rank(method="average") - 1) / max(len(sim) - 1, 1)
    out = pd.DataFrame(
        {
            "id": frame["id"].astype(str) if "id" in frame else frame.index.astype(str),
            "similarity": sim.astype(float),
            "similarity_rank": rank.astype(float),
            "judge": judge.astype(float),
            "disagreement": (judge - rank).abs().astype(float),
            "direction": np.where(
                rank >= judge, "similar but judged different", "dissimilar but judged equivalent"
            ),
        }
    )
    for column in text_columns:
        if column in frame:
            out[column] = frame[column].map(lambda v: _short(v, max_chars))
    out = out.sort_values(["disagreement", "id"], ascending=[False, True], kind="mergesort")
    return out.head(k).reset_index(drop=True)


def _short(value: object, max_chars: int) -> object:
    if is_absent(value):
        return None
    text = str(value)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
