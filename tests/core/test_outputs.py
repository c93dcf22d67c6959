"""Model output files: alignment by id and the messages for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from genjudge.errors import InputError
from genjudge.io.outputs import load_outputs

IDS = ["a", "b", "c"]


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_missing_ids_are_reported_not_dropped(tmp_path):
    out = load_outputs(write(tmp_path / "o.jsonl", [{"id": "b", "output": "x"}]), IDS)
    assert out.missing == ["a", "c"]
    assert out.outputs == {"b": "x"}


def test_unknown_ids_are_an_error_listing_them(tmp_path):
    path = write(
        tmp_path / "o.jsonl",
        [{"id": "a", "output": "x"}, {"id": "zz", "output": "y"}, {"id": "yy", "output": "y"}],
    )
    with pytest.raises(InputError) as err:
        load_outputs(path, IDS)
    assert str(err.value) == f"{path}:2: field 'id': 2 id(s) not in the evaluation set: 'zz', 'yy'"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": "a"}, "field 'output': missing (use null for a model that produced nothing)"),
        ({"id": "a", "output": "x", "latency_ms": "fast"}, "field 'latency_ms': not a number: 'fast'"),
        ({"id": "a", "output": "x", "cost": -1}, "field 'cost': must be a non-negative number, got -1"),
        ({"id": "a", "output": "x", "probs": {"p": 0.5, "q": 0.4}}, "field 'probs': sums to 0.9, not 1"),
        (
            {"id": "a", "output": "x", "probs": {"p": 1.5, "q": -0.5}},
            "field 'probs.q': must be a non-negative number, got -0.5",
        ),
        (
            {"id": "a", "output": "x", "probs": []},
            "field 'probs': must be a non-empty object of class -> probability",
        ),
    ],
)
def test_bad_fields_name_file_line_and_field(tmp_path, row, message):
    path = write(tmp_path / "o.jsonl", [{"id": "b", "output": "ok"}, row])
    with pytest.raises(InputError) as err:
        load_outputs(path, IDS)
    assert str(err.value) == f"{path}:2: {message}"


def test_duplicate_output_id(tmp_path):
    path = write(tmp_path / "o.jsonl", [{"id": "a", "output": "x"}, {"id": "a", "output": "y"}])
    with pytest.raises(InputError, match=r"o.jsonl:2: field 'id': duplicate id 'a' \(first on line 1\)"):
        load_outputs(path, IDS)


def test_csv_probs_columns_and_json_outputs(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(
        'id,output,prob.x,prob.y,latency_ms\na,x,0.75,0.25,120\nb,"{""k"": 1}",,,\n', encoding="utf-8"
    )
    out = load_outputs(path, IDS, parse_json=True)
    assert out.probs == {"a": {"x": 0.75, "y": 0.25}}
    assert out.outputs == {"a": "x", "b": {"k": 1}}
    assert out.numbers["latency_ms"] == {"a": 120.0}
    assert out.missing == ["c"]
