"""Writers at the same time on one store lose nothing, on SQLite and PostgreSQL.

Two real ``genjudge run`` processes started together on a new store (they also race to create
it), and four processes saving runs as fast as they can: afterwards every run and every example
row is there, and no attempt mark is left behind.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from genjudge.store import RunStore
from tests.records import stub_record

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tickets"


def count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
    finally:
        engine.dispose()


def test_two_run_commands_at_once_store_both_runs_whole(store_url, tmp_path):
    folder = tmp_path / "tickets"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("reports", ".genjudge"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = [sys.executable, "-m", "genjudge", "run", str(folder / "genjudge.yaml"), "--store", store_url]
    commands = [
        [*run, "--out", str(tmp_path / f"out{k}"), "--seed", str(k), "--resamples", "200"] for k in range(2)
    ]
    children = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for c in commands
    ]
    outputs = [child.communicate(timeout=300)[0] for child in children]
    # Exit 0 (ready) or 1 (verdict: not ready) are both a completed, stored run; 2+ is a failure.
    assert all(child.returncode in (0, 1) for child in children), outputs
    reports = [json.loads((tmp_path / f"out{k}" / "report.json").read_text()) for k in range(2)]
    assert len({r["run"]["run_id"] for r in reports}) == 2
    assert count(store_url, "runs") == 2
    assert count(store_url, "examples") == sum(r["counts"]["items"] for r in reports)
    assert count(store_url, "attempts") == 0
    stored = RunStore(store_url, create=False)
    for r in reports:
        assert stored.get(r["run"]["run_id"])[1]["metrics"] == r["metrics"]


RUNS_PER_WRITER = 15
ROWS_PER_RUN = 40


def _writer(url: str, writer: int, start: Any, done: Any) -> None:
    start.wait()
    store = RunStore(url)
    try:
        for k in range(RUNS_PER_WRITER):
            run_id = f"w{writer}-r{k}"
            created = datetime.now(UTC)
            store.begin_attempt(run_id, created, f"writer {writer}", "generation")
            record = stub_record(
                run_id, created_at=created, inputs_hash=f"{writer}-{k}", config={"name": f"writer {writer}"}
            )
            table = pd.DataFrame(
                {"id": [f"{run_id}-{i}" for i in range(ROWS_PER_RUN)], "score": range(ROWS_PER_RUN)}
            )
            store.save(record, {"counts": {"items": ROWS_PER_RUN}}, table, ["ok"] * ROWS_PER_RUN)
        done.put("ok")
    except Exception as exc:  # reported to the test, which fails on it
        done.put(f"{type(exc).__name__}: {exc}")
    finally:
        store.engine.dispose()


def test_four_processes_saving_runs_at_once_lose_no_row(store_url):
    context = multiprocessing.get_context("fork")
    start, done = context.Event(), context.Queue()
    writers = [context.Process(target=_writer, args=(store_url, w, start, done)) for w in range(4)]
    for w in writers:
        w.start()
    start.set()
    results = [done.get(timeout=300) for _ in writers]
    for w in writers:
        w.join(timeout=60)
    assert results == ["ok"] * 4
    assert count(store_url, "runs") == 4 * RUNS_PER_WRITER
    assert count(store_url, "examples") == 4 * RUNS_PER_WRITER * ROWS_PER_RUN
    assert count(store_url, "attempts") == 0
    back = RunStore(store_url).examples("w3-r14")
    assert back["id"].tolist() == [f"w3-r14-{i}" for i in range(ROWS_PER_RUN)]
