"""The judge / similarity disagreement table (ranks derived by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genjudge.embed import JUDGE_COLUMN, SIMILARITY_COLUMN, judge_similarity_disagreements


def test_largest_disagreements_first():
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            SIMILARITY_COLUMN: [0.95, 0.30, 0.80, 0.60, np.nan],
            JUDGE_COLUMN: [0.0, 1.0, 1.0, 0.0, 1.0],
            "teacher": ["t"] * 5,
            "student": ["s" * 300] * 5,
        }
    )
    out = judge_similarity_disagreements(frame, k=3)
    # Ranks among the 4 scored rows: 0.30 -> 0, 0.60 -> 1/3, 0.80 -> 2/3, 0.95 -> 1.
    # |judge - rank|: a 1.0, b 1.0, c 1/3, d 1/3; e has no similarity and is left out.
    assert list(out["id"]) == ["a", "b", "c"]
    assert list(out["disagreement"]) == pytest.approx([1.0, 1.0, 1 / 3])
    assert list(out["direction"][:2]) == ["similar but judged different", "dissimilar but judged equivalent"]
    assert len(out["student"][0]) == 200


def test_missing_column_is_named():
    with pytest.raises(KeyError, match=JUDGE_COLUMN):
        judge_similarity_disagreements(pd.DataFrame({"id": [], SIMILARITY_COLUMN: []}))
