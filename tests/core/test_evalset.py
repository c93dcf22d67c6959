"""Frozen sets: fingerprints, manifests, and the exact messages for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from genjudge.errors import DuplicateIdError, FingerprintMismatchError, InputError
from genjudge.io.evalset import fingerprint, freeze, load_frozen, load_set

ROWS = [
    {"id": "a", "input": "first", "reference": "x", "topic": "t1"},
    {"id": "b", "input": "second", "reference": "y", "topic": "t2"},
    {"id": "c", "input": "third", "reference": "x", "topic": "t1"},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_fingerprint_ignores_row_order_and_changes_on_any_edit():
    base, _ = fingerprint(ROWS)
    assert fingerprint(list(reversed(ROWS)))[0] == base
    for i, row in enumerate(ROWS):
        for key in row:
            if key == "id":
                continue
            edited = [dict(r) for r in ROWS]
            edited[i][key] = str(edited[i][key]) + "!"
            assert fingerprint(edited)[0] != base, (i, key)
    extra = [*ROWS, {"id": "d", "input": "fourth"}]
    assert fingerprint(extra)[0] != base
    assert fingerprint(ROWS[:2])[0] != base


def test_same_content_in_jsonl_csv_parquet_reads_the_same(tmp_path):
    jsonl = write_jsonl(tmp_path / "s.jsonl", ROWS)
    pd.DataFrame(ROWS).to_csv(tmp_path / "s.csv", index=False)
    pd.DataFrame(ROWS).to_parquet(tmp_path / "s.parquet", index=False)
    ids = [load_set(p).ids for p in (jsonl, tmp_path / "s.csv", tmp_path / "s.parquet")]
    assert ids == [["a", "b", "c"]] * 3
    # Every value here is text, so the canonical content and the fingerprint agree across formats.
    prints = {fingerprint(load_set(p).rows)[0] for p in (jsonl, tmp_path / "s.csv", tmp_path / "s.parquet")}
    assert len(prints) == 1


def test_freeze_writes_manifest_and_refuses_changed_set_saying_what_changed(tmp_path):
    path = write_jsonl(tmp_path / "set.jsonl", ROWS)
    manifest = freeze(path, ["topic"])
    assert manifest.rows == 3 and manifest.slices == ["topic"]
    assert manifest.columns == ["id", "input", "reference", "topic"]
    load_frozen(path)  # unchanged: accepted

    write_jsonl(path, list(reversed(ROWS)))
    load_frozen(path)  # reordered: still the same set

    changed = [dict(ROWS[0], input="FIRST"), ROWS[1], {"id": "d", "input": "new"}]
    write_jsonl(path, changed)
    with pytest.raises(FingerprintMismatchError) as err:
        load_frozen(path)
    message = str(err.value)
    assert "1 row added (d)" in message
    assert "1 row removed (c)" in message
    assert "1 row edited (a)" in message
    assert f"fingerprint {manifest.fingerprint[:12]} when frozen" in message


def test_unfrozen_set_is_refused_with_the_command_to_fix_it(tmp_path):
    path = write_jsonl(tmp_path / "set.jsonl", ROWS)
    with pytest.raises(
        FingerprintMismatchError, match=r"is not frozen: .* Run `genjudge freeze .*set.jsonl` first"
    ):
        load_frozen(path)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            ['{"id": "a", "input": "x"}', '{"id": "b", "input": '],
            "set.jsonl:2: not valid JSON (Expecting value at column 22)",
        ),
        (['{"id": "a", "input": "x"}', '["a", "b"]'], "set.jsonl:2: expected a JSON object, got list"),
        (['{"input": "x"}'], "set.jsonl:1: field 'id': missing"),
        (['{"id": "", "input": "x"}'], "set.jsonl:1: field 'id': empty"),
        (['{"id": 1.5, "input": "x"}'], "set.jsonl:1: field 'id': must be a string or an integer, got float"),
        (['{"id": "a"}'], "set.jsonl:1: field 'input': missing"),
        (
            ['{"id": "a", "input": "x"}', "", '{"id": "a", "input": "y"}'],
            "set.jsonl:3: field 'id': duplicate id 'a' (first on line 1)",
        ),
        (['{"id": "a", "input": "x", "metadata": 3}'], "set.jsonl:1: field 'metadata': must be an object"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, lines, message):
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_set(path)
    assert str(err.value) == f"{path.parent}/{message}"


def test_duplicate_id_is_its_own_error_type(tmp_path):
    path = write_jsonl(tmp_path / "set.jsonl", [ROWS[0], ROWS[0]])
    with pytest.raises(DuplicateIdError):
        load_set(path)


def test_csv_line_numbers_count_the_header_and_multiline_cells(tmp_path):
    path = tmp_path / "set.csv"
    path.write_text('id,input\na,"two\nlines"\n,missing id\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_set(path)
    assert str(err.value) == f"{path}:4: field 'id': missing"


def test_slice_column_must_exist(tmp_path):
    path = write_jsonl(tmp_path / "set.jsonl", ROWS)
    with pytest.raises(InputError, match="field 'region': slice column not in the set"):
        freeze(path, ["region"])
