"""The streamed run's per-example writer: chunks whose column types differ join under one schema."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from genjudge import redact
from genjudge.report.examples_stream import ExamplesWriter


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setattr(redact, "_SECRETS", set())
    redact.register_secret("sk-test-0123456789")
    return "sk-test-0123456789"


def test_chunks_with_different_column_types_join_into_one_file(tmp_path, secret):
    first = pd.DataFrame(
        {
            "id": ["a", "b"],
            "note": [None, None],  # all empty here: Parquet's null type
            "count": [1, 2],  # integers here, a gap (float) in the next chunk
            "meta": [{"k": 1}, None],  # a nested value becomes JSON text
        }
    )
    second = pd.DataFrame(
        {
            "id": ["c"],
            "note": [f"key {secret} leaked"],
            "count": [np.nan],
            "meta": [None],
            "late": [True],  # a column the first chunk did not have
        }
    )
    with ExamplesWriter(tmp_path) as writer:
        writer.add(first)
        writer.add(second)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["examples.csv", "examples.parquet"]
    schema = pq.read_schema(tmp_path / "examples.parquet")
    assert [f.name for f in schema] == ["id", "note", "count", "meta", "late"]
    note = schema.field("note").type
    assert pa.types.is_string(note) or pa.types.is_large_string(note), note
    assert pa.types.is_float64(schema.field("count").type)
    table = pd.read_parquet(tmp_path / "examples.parquet")
    assert table["id"].tolist() == ["a", "b", "c"]
    assert table["note"].isna().tolist() == [True, True, False]
    assert table["note"].iloc[2] == "key [REDACTED] leaked"
    assert table["count"].tolist()[:2] == [1.0, 2.0] and np.isnan(table["count"].iloc[2])
    assert table["meta"].iloc[0] == '{"k": 1}' and table["meta"].isna().tolist() == [False, True, True]
    assert table["late"].isna().tolist() == [True, True, False] and bool(table["late"].iloc[2])
    text = (tmp_path / "examples.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "id,note,count,meta,late"
    assert len(text.splitlines()) == 4 and secret not in text
    assert pd.read_csv(tmp_path / "examples.csv")["id"].tolist() == ["a", "b", "c"]


def test_numbers_in_one_chunk_and_text_in_another_are_text(tmp_path):
    with ExamplesWriter(tmp_path) as writer:
        writer.add(pd.DataFrame({"id": ["a", "b"], "x": [1.5, np.nan], "y": [1, 2]}))
        writer.add(pd.DataFrame({"id": ["c"], "x": ["n/a"], "y": [3]}))
    schema = pq.read_schema(tmp_path / "examples.parquet")
    assert pa.types.is_large_string(schema.field("x").type) and pa.types.is_int64(schema.field("y").type)
    table = pd.read_parquet(tmp_path / "examples.parquet")
    assert table["x"].iloc[0] == "1.5" and table["x"].isna().iloc[1] and table["x"].iloc[2] == "n/a"
    assert table["y"].tolist() == [1, 2, 3]


def test_a_failed_pass_leaves_no_parts(tmp_path):
    with pytest.raises(RuntimeError), ExamplesWriter(tmp_path) as writer:
        writer.add(pd.DataFrame({"id": ["a"]}))
        raise RuntimeError("the pass stopped")
    assert list(tmp_path.iterdir()) == []


def test_the_local_writer_scrubs_text_of_every_dtype(tmp_path, secret):
    """A column of pandas' string dtype (pandas 3's default for text) is scrubbed like an object one."""
    from genjudge.report.write import scrubbed_examples

    table = pd.DataFrame({"id": ["a", "b"], "output": [f"uses {secret}", "clean"]})
    assert table["output"].dtype != object or pd.__version__ < "3"
    assert scrubbed_examples(table)["output"].tolist() == ["uses [REDACTED]", "clean"]
