"""A streamed pass over a set, a chunk at a time, gives the run's overall numbers."""

from __future__ import annotations

import asyncio
import json
import math

import pytest

from genjudge.api import evaluate_async
from genjudge.config import load_config
from genjudge.engines.stream import stream_rates
from genjudge.errors import ConfigError, InputError
from genjudge.io.chunks import aligned_chunks, batched
from tests.engines.extraction_set import write_extraction_set


@pytest.mark.parametrize("chunk_rows", [1, 17, 10_000])
def test_streamed_rates_equal_the_runs_overall_metrics(tmp_path, chunk_rows):
    config_path = write_extraction_set(tmp_path / "ex", n=180, fields=True)
    run = asyncio.run(evaluate_async(config_path, store=str(tmp_path / "s.db"), write_report=False))
    overall = {
        (m.metric, m.subject): m for m in run.report.metrics if m.slice_column is None and m.label is None
    }
    streamed = stream_rates(load_config(config_path), config_dir=config_path.parent, chunk_rows=chunk_rows)
    assert streamed.items == 180 and streamed.chunks == math.ceil(180 / chunk_rows)
    assert len(streamed.rates) > 40
    for rate in streamed.rates:
        metric = overall[(rate.name, rate.subject)]
        assert rate.n == metric.n, rate
        if metric.value is None:
            assert rate.value is None
        else:
            assert rate.value == pytest.approx(metric.value, rel=1e-12, abs=1e-12), rate
    table = run.examples
    for check, counts in streamed.status.items():
        assert counts == table[f"{check}.status"].value_counts().to_dict(), check
    assert streamed.missing["student"] == len(run.report.missing_outputs["student"]) > 0


def test_wald_interval_matches_the_normal_formula():
    from genjudge.engines.stream import StreamedRate

    rate = StreamedRate("c", "m", "student", "col")
    values = [0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.5, 0.25]
    rate.n, rate.total, rate.total_sq = len(values), sum(values), sum(v * v for v in values)
    import numpy as np
    from scipy import stats

    low, high = rate.interval(0.9)
    expected = stats.norm.interval(0.9, loc=np.mean(values), scale=stats.sem(values))
    assert (low, high) == pytest.approx(expected, rel=1e-12)


def test_outputs_out_of_the_sets_order_are_refused(tmp_path):
    config_path = write_extraction_set(tmp_path / "ex", n=30, fields=True)
    student = config_path.parent / "student.jsonl"
    lines = student.read_text(encoding="utf-8").splitlines()
    lines[3], lines[20] = lines[20], lines[3]
    student.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"student.jsonl:\d+.*not in its order"):
        stream_rates(load_config(config_path), config_dir=config_path.parent, chunk_rows=7)


def test_a_check_that_needs_the_whole_set_is_refused(tmp_path):
    config_path = write_extraction_set(tmp_path / "ex", n=10)  # extraction_fields without `fields`
    with pytest.raises(ConfigError, match="needs its `fields` option"):
        stream_rates(load_config(config_path), config_dir=config_path.parent)


def test_chunks_hold_their_own_rows_and_outputs(tmp_path):
    config_path = write_extraction_set(tmp_path / "ex", n=25)
    folder = config_path.parent
    chunks = list(
        aligned_chunks(folder / "set.jsonl", folder / "teacher.jsonl", folder / "student.jsonl", rows=10)
    )
    assert [len(c.evalset.rows) for c in chunks] == [10, 10, 5]
    assert [c.start for c in chunks] == [0, 10, 20]
    student = {json.loads(line)["id"] for line in (folder / "student.jsonl").read_text().splitlines()}
    for chunk in chunks:
        assert set(chunk.student.outputs) == {i for i in chunk.evalset.ids if i in student}
        assert set(chunk.student.missing) == {i for i in chunk.evalset.ids if i not in student}
    assert list(batched(range(5), 2)) == [[0, 1], [2, 3], [4]]


def test_parquet_sets_are_read_in_batches(tmp_path, monkeypatch):
    """A Parquet set is decoded a batch at a time, and gives the rows JSONL gives."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from genjudge.io import tables

    rows = [{"id": f"r{i}", "input": f"text {i}", "n": float(i) if i % 3 else None} for i in range(10)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "set.parquet", row_group_size=4)
    monkeypatch.setattr(tables, "PARQUET_BATCH_ROWS", 3)
    read = list(tables.read_rows(tmp_path / "set.parquet"))
    assert [line for line, _ in read] == list(range(1, 11))
    assert [r for _, r in read] == rows
