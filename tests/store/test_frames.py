"""A run's stored rows read back a batch at a time make the same table as all the rows at once."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from genjudge.store import RunStore, frames
from genjudge.store.frames import rows_frame
from genjudge.store.runs import examples
from tests.records import stub_record

VALUES = [None, 0, 1, 2, 10**20, 1.5, float("nan"), True, False, "", "a", "x y", [1, 2], {"k": 1}]


def random_rows(rng: random.Random) -> list[dict]:
    """Rows whose keys come and go and whose values mix types, so that batches infer a column's type
    differently (all None in one batch, floats in the next; a key absent from a whole batch)."""
    keys = [f"c{k}" for k in range(rng.randint(1, 6))]
    kinds = {k: rng.sample(VALUES, rng.randint(1, 3)) for k in keys}
    rows = []
    for _ in range(rng.randint(0, 25)):
        row = {}
        for k in rng.sample(keys, len(keys)):
            if rng.random() > 0.15:
                row[k] = rng.choice(kinds[k])
        rows.append(row)
    return rows


def test_a_table_made_in_batches_equals_the_whole_lists_table():
    rng = random.Random(20261203)
    for _ in range(1500):
        rows = random_rows(rng)
        whole = pd.DataFrame(rows)
        for batch in (1, 2, 3, 7, 1000):
            pd.testing.assert_frame_equal(rows_frame(iter(rows), batch), whole, check_exact=True)


def test_no_rows_and_rows_without_keys():
    pd.testing.assert_frame_equal(rows_frame([], 3), pd.DataFrame([]))
    pd.testing.assert_frame_equal(rows_frame([{}] * 5, 2), pd.DataFrame([{}] * 5))


def test_a_stored_runs_rows_read_back_in_batches(store_url, monkeypatch):
    """Saved, then read back three rows at a time from a streamed cursor (SQLite and PostgreSQL):
    the table of every row decoded at once, column types included."""
    monkeypatch.setattr(frames, "BATCH", 3)
    n = 11
    table = pd.DataFrame(
        {
            "id": [f"i{k}" for k in range(n)],
            "output": ["a\nb", None, 'q"x', "é", "", "t", "x", None, "y", "z", "w"],
            # unscored in the first batch only: None there, numbers after
            "score": [None, None, None, 0.5, 1.0, 0.0, 0.25, 1.0, 0.5, 0.75, 1.0],
            "label": [None, None, None, None, None, None, "yes", "no", None, "yes", "no"],
            "count": list(range(n)),
            "flag": [True, False] * 5 + [True],
        }
    )
    store = RunStore(store_url)
    store.save(stub_record("r1"), {"counts": {"items": n}}, table, ["ok"] * n)
    query = sa.select(examples.c.data).where(examples.c.run_id == "r1").order_by(examples.c.position)
    with store.engine.connect() as conn:
        whole = pd.DataFrame([json.loads(d) for (d,) in conn.execute(query)])
    back = store.examples("r1")
    pd.testing.assert_frame_equal(back, whole, check_exact=True)
    assert back["id"].tolist() == table["id"].tolist()
    assert back["score"].dtype == np.float64 and np.isnan(back["score"].iloc[0])
    store.engine.dispose()


@pytest.mark.parametrize("batch", [1, 4])
def test_the_batches_type_a_column_as_the_whole_list_does(batch):
    rows = [{"x": None}] * 4 + [{"x": 1.5}, {"x": None}, {"y": "a"}]
    back = rows_frame(rows, batch)
    assert back["x"].dtype == np.float64 and list(back.columns) == ["x", "y"]
    pd.testing.assert_frame_equal(back, pd.DataFrame(rows))
