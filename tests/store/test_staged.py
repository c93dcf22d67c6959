"""A streamed run's staged per-example rows read back as the local run's stored rows."""

from __future__ import annotations

import pandas as pd

from genjudge.store import staged
from genjudge.store.runs import example_rows
from genjudge.store.staged import StagedRows


def test_staged_rows_read_back_as_the_whole_tables_rows(tmp_path, monkeypatch):
    """Added in chunks and turned into JSON a few rows at a time: the rows of the whole table, in
    order, with texts that need escapes (newlines, U+2028, quotes) and gaps."""
    monkeypatch.setattr(staged, "SLICE", 3)
    table = pd.DataFrame(
        {
            "id": [f"i{k}" for k in range(11)],
            "output": ["a\nb", "c\u2028d", 'q"x', None, "e\r", "é", "", "t\tu", "x", "y", "z"],
            "score": [0.5, None, 1.0, 0.0, 0.25, 1.0, 0.5, 0.75, None, 1.0, 0.0],
            "status": ["ok", "unscored", "ok", "error", "ok", "ok", "ok", "ok", "unscored", "ok", "ok"],
        }
    )
    with StagedRows(tmp_path / "staged") as rows:
        for start in (0, 4, 9):
            rows.add(table.iloc[start : {0: 4, 4: 9, 9: 11}[start]])
    assert rows.count == 11
    assert list(rows.rows()) == list(example_rows(table, table["status"].tolist()))
