"""A streamed run given a store is stored as a local run is: `runs`, `compare` and `gate` read it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from genjudge.api import compare, evaluate
from genjudge.store import RunStore
from tests.engines.extraction_set import write_extraction_set
from tests.engines.test_stream_run import assert_same_metrics

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "genjudge", *args], capture_output=True, text=True, check=False, cwd=cwd
    )


def test_a_streamed_run_is_stored_as_the_local_run_is(store_url, tmp_path):
    """The same config run locally and streamed into one store: the streamed run is listed, has the
    local run's inputs hash (and names it as the run with the same inputs), the same metrics and
    the same per-example rows; `compare` finds no difference on any metric or slice."""
    config_path = write_extraction_set(tmp_path / "ex", n=120, fields=True)
    local = evaluate(config_path, store=store_url, overrides={"report_dir": str(tmp_path / "local")})
    streamed = evaluate(
        config_path,
        store=store_url,
        stream=True,
        chunk_rows=17,
        overrides={"report_dir": str(tmp_path / "streamed")},
    )
    assert streamed.store_url == local.store_url
    runs = RunStore(store_url, create=False)
    assert {r["run_id"] for r in runs.list()} == {local.record.run_id, streamed.record.run_id}
    assert runs.unfinished() == []  # the attempt mark went with the commit
    record, report = runs.get(streamed.record.run_id)
    assert record.inputs_hash == local.record.inputs_hash and record.same_inputs_as == local.record.run_id
    assert report["metrics"] == streamed.report.model_dump(mode="json")["metrics"]
    assert_same_metrics(local.report, streamed.report)
    stored_local = runs.examples(local.record.run_id)
    stored_streamed = runs.examples(streamed.record.run_id)
    assert len(stored_streamed) == 120 and list(stored_streamed.columns) == list(stored_local.columns)
    pd.testing.assert_frame_equal(stored_streamed, stored_local, check_dtype=False)
    assert not (tmp_path / "streamed" / ".staged").exists()

    diff = compare(local.record.run_id, streamed.record.run_id, store=store_url)
    assert diff.rows and all(r.diff in (0, None) and not r.significant for r in diff.rows)
    assert all(not flips for flips in diff.flips.values())


def test_a_streamed_run_is_gated_and_a_failed_one_is_marked(tmp_path):
    """`genjudge run --stream --gate POLICY` stores the run (in the default store when none is
    named) and gates it; a streamed run that fails mid-pass is listed as failed, with nothing
    stored and no staged rows left."""
    (tmp_path / ".git").mkdir()  # a project root: its default store is tmp_path/.genjudge/genjudge.db
    config_path = write_extraction_set(tmp_path / "ex", n=60, fields=True)
    runs_seen = []
    for floor, exit_code in ((0.2, 0), (0.9, 1)):  # agreement is 0.33 here: passes, then fails
        policy = tmp_path / f"gate-{floor}.yaml"
        rule = {
            "metric": "agreement_rate",
            "subject": "student_vs_teacher",
            "slices": ["overall"],
            "floor": floor,
        }
        policy.write_text(yaml.safe_dump({"decide_on": "point", "rules": [rule]}), encoding="utf-8")
        out = tmp_path / f"out-{floor}"
        args = [
            "run",
            str(config_path),
            "--stream",
            "--chunk-rows",
            "9",
            "--gate",
            str(policy),
            "--out",
            str(out),
        ]
        done = _cli(*args, "-q", cwd=tmp_path)
        assert done.returncode == exit_code, done.stderr[-3000:]
        assert (out / "gate.md").is_file() and "store: sqlite:///" in done.stdout
        url = next(
            line.split("store: ", 1)[1] for line in done.stdout.splitlines() if line.startswith("store: ")
        )
        runs_seen.append(json.loads((out / "report.json").read_text(encoding="utf-8"))["run"]["run_id"])
    assert url == f"sqlite:///{tmp_path / '.genjudge' / 'genjudge.db'}"
    runs = RunStore(url, create=False)
    assert [r["run_id"] for r in runs.list()] == runs_seen[::-1]  # both stored in the default store

    rows = (config_path.parent / "set.jsonl").read_text(encoding="utf-8").splitlines()
    rows[50] = rows[50].replace('"id": "r50"', '"id": "r3"')  # a duplicate id in the sixth chunk
    (config_path.parent / "set.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    store = tmp_path / "failed.db"
    done = _cli("run", str(config_path), "--stream", "--chunk-rows", "9", "--store", str(store), cwd=tmp_path)
    assert done.returncode != 0 and "duplicate id 'r3'" in done.stderr and "Traceback" not in done.stderr
    failed = RunStore(f"sqlite:///{store}", create=False)
    assert failed.list() == []
    [attempt] = failed.unfinished()
    assert attempt["status"] == "failed" and "duplicate id" in attempt["note"]
    assert not list((config_path.parent / ".genjudge").glob("stream-*"))
    assert not [p for p in config_path.parent.parent.rglob(".staged")]
