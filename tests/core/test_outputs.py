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
        (
            {"id": "a", "output": "x", "probs": {"p": 0.5, "q": 0.4}},
            "field 'probs': item 'a': sums to 0.9, not 1 (tolerance 0.001)",
        ),
        (
            {"id": "a", "output": "x", "probs": {"p": 1.5, "q": -0.5}},
            "field 'probs.p': item 'a': 1.5 is outside [0, 1]",
        ),
        (
            {"id": "a", "output": "x", "probs": {"p": 1.5, "q": -0.5}},
            "field 'probs.p': item 'a': 1.5 is outside [0, 1]",
        ),
        (
            {"id": "a", "output": "x", "probs": {"p": 0.5, "q": -0.0001, "r": 0.5001}},
            "field 'probs.q': item 'a': -0.0001 is outside [0, 1]",
        ),
        (
            {"id": "a", "output": "x", "probs": {"p": "high", "q": 1.0}},
            "field 'probs.p': item 'a': not a number: 'high'",
        ),
        (
            {"id": "a", "output": "x", "probs": []},
            "field 'probs': item 'a': must be a non-empty object of class -> probability",
        ),
        (
            {"id": "a", "output": "x", "logprobs": [{"token": "x", "logprob": 0.5}]},
            "field 'logprobs[0].logprob': item 'a': a log-probability must be a number <= 0",
        ),
        (
            {
                "id": "a",
                "output": "x",
                "logprobs": [{"token": "x", "logprob": -0.1, "top": {"y": "likely"}}],
            },
            "field 'logprobs[0].top.y': item 'a': a log-probability must be a number <= 0",
        ),
        (
            {"id": "a", "output": "x", "logprobs": [{"logprob": -1}]},
            "field 'logprobs[0]': item 'a': must be an object with a string 'token'",
        ),
        (
            {"id": "a", "output": "x", "error": "boom"},
            "field 'error': item 'a': an error row must have output null",
        ),
    ],
)
def test_bad_fields_name_file_line_and_field(tmp_path, row, message):
    path = write(tmp_path / "o.jsonl", [{"id": "b", "output": "ok"}, row])
    with pytest.raises(InputError) as err:
        load_outputs(path, IDS)
    assert str(err.value) == f"{path}:2: {message}"


def test_generated_fields_are_read(tmp_path):
    tokens = [{"token": "bill", "logprob": -0.1, "top": {"bill": -0.1, "ship": -9.5}}]
    path = write(
        tmp_path / "o.jsonl",
        [
            {"id": "a", "output": "billing", "logprobs": tokens},
            {"id": "b", "output": None, "error": "HTTP 500"},
        ],
    )
    out = load_outputs(path, IDS)
    assert out.logprobs == {"a": tokens} and out.errors == {"b": "HTTP 500"}
    assert out.outputs["b"] is None


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


def test_nan_probability_in_csv_names_the_item(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("id,output,prob.x,prob.y\na,x,0.5,0.5\nb,y,nan,1.0\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_outputs(path, IDS)
    assert str(err.value) == f"{path}:3: field 'probs.x': item 'b': NaN is not a probability"
