"""A set frozen a chunk at a time: the whole-set freeze's manifest, in bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from genjudge.errors import DuplicateIdError, InputError
from genjudge.io.evalset import freeze, load_frozen, read_manifest
from genjudge.io.freeze_stream import freeze_streamed, manifest_head

ODD_IDS = ["é-1", 'q"uote', "back\\slash", "tab\tid", "ctl\x01", "line\u2028sep", "10", "9", "Z", "a"]


def rows(n: int) -> list[dict]:
    """Ids that sort differently as text and as numbers, escapes of every kind, a column first met
    late, nested metadata."""
    out = []
    for k in range(n):
        row = {"id": ODD_IDS[k] if k < len(ODD_IDS) else f"x{(k * 7919) % n}-{k}", "input": f"text {k}"}
        row["lang"] = ["en", "de", "fr"][k % 3]
        if k > n // 2:
            row["late"] = k
        if k % 5 == 0:
            row["metadata"] = {"source": "é", "n": k}
        out.append(row)
    return out


def write(path: Path, data: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data), encoding="utf-8")
    elif path.suffix == ".csv":
        flat = [{k: v for k, v in r.items() if k != "metadata"} for r in data]
        pd.DataFrame(flat).to_csv(path, index=False)
    else:
        flat = [{k: v for k, v in r.items() if k != "metadata"} for r in data]
        pd.DataFrame(flat).to_parquet(path, index=False, row_group_size=17)
    return path


def manifest_text(path: Path) -> str:
    """The manifest's text without its created_at line."""
    text = (Path(str(path) + ".manifest.json")).read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if '"created_at"' not in line)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
@pytest.mark.parametrize("chunk_rows", [1, 7, 1000])
def test_the_streamed_manifest_is_the_whole_set_ones(tmp_path, suffix, chunk_rows):
    data = rows(60)
    whole = freeze(write(tmp_path / "whole" / f"set{suffix}", data), ["lang"])
    path = write(tmp_path / "streamed" / f"set{suffix}", data)
    streamed = freeze_streamed(path, ["lang"], chunk_rows=chunk_rows)
    assert streamed.fingerprint == whole.fingerprint and streamed.rows == 60
    assert streamed.columns == whole.columns and streamed.row_hashes == {}
    assert manifest_text(path) == manifest_text(tmp_path / "whole" / f"set{suffix}")
    assert read_manifest(path).row_hashes == whole.row_hashes
    load_frozen(path)  # the local run's check accepts it
    left = sorted(p.name for p in path.parent.iterdir())
    assert left == sorted([path.name, path.name + ".manifest.json"])  # no temporary file left


def test_refreezing_an_unchanged_set_keeps_its_manifest_and_an_edit_changes_it(tmp_path):
    path = write(tmp_path / "set.jsonl", rows(30))
    first = freeze_streamed(path, ["lang"], chunk_rows=4)
    before = path.with_name("set.jsonl.manifest.json").read_text(encoding="utf-8")
    again = freeze_streamed(path, ["lang"], chunk_rows=9)
    assert again == first and path.with_name("set.jsonl.manifest.json").read_text(encoding="utf-8") == before
    assert manifest_head(path).created_at == first.created_at
    data = rows(30)
    data[12]["input"] = "edited"
    write(path, data)
    edited = freeze_streamed(path, ["lang"], chunk_rows=4)
    assert edited.fingerprint != first.fingerprint
    assert edited.fingerprint == freeze(write(tmp_path / "w" / "set.jsonl", data), ["lang"]).fingerprint


def test_bad_sets_are_refused_as_the_whole_set_freeze_refuses_them(tmp_path):
    data = rows(20)
    data[15]["id"] = data[3]["id"]  # a duplicate in a later chunk: both lines named
    path = write(tmp_path / "dup.jsonl", data)
    with pytest.raises(DuplicateIdError) as streamed:
        freeze_streamed(path, chunk_rows=5)
    with pytest.raises(DuplicateIdError) as whole:
        freeze(path)
    assert str(streamed.value) == str(whole.value) and "line 4" in str(streamed.value)
    del data[15]["input"]
    data[15]["id"] = "fresh"
    path = write(tmp_path / "noinput.jsonl", data)
    with pytest.raises(InputError, match=r"noinput\.jsonl:16: field 'input': missing"):
        freeze_streamed(path, chunk_rows=5)
    path = write(tmp_path / "ok.jsonl", rows(20))
    with pytest.raises(InputError, match="slice column not in the set"):
        freeze_streamed(path, ["nope"], chunk_rows=5)
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="no rows"):
        freeze_streamed(tmp_path / "empty.jsonl")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_cli_freeze_stream(tmp_path):
    path = write(tmp_path / "set.jsonl", rows(25))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "genjudge",
            "freeze",
            str(path),
            "-s",
            "lang",
            "--stream",
            "--chunk-rows",
            "6",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "25 rows" in done.stdout and read_manifest(path).fingerprint in done.stdout
    assert (
        read_manifest(path).fingerprint == freeze(write(tmp_path / "w" / "set.jsonl", rows(25))).fingerprint
    )


def test_many_runs_are_merged_in_levels(tmp_path, monkeypatch):
    """More run files than may be open at once: merged a few at a time, the same manifest."""
    from genjudge.io import freeze_stream

    monkeypatch.setattr(freeze_stream, "FAN_IN", 3)
    data = rows(40)
    whole = freeze(write(tmp_path / "whole" / "set.jsonl", data))
    path = write(tmp_path / "streamed" / "set.jsonl", data)
    assert freeze_streamed(path, chunk_rows=1).fingerprint == whole.fingerprint  # 40 runs -> 14 -> 5 -> 2
    assert manifest_text(path) == manifest_text(tmp_path / "whole" / "set.jsonl")
