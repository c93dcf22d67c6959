"""Storing and reporting as one step; the store under contention; damaged caches; judge limits.

- The report folder appears whole or not at all, and only once the run is committed.
- A write lock held by another process during the final save is waited out, not a traceback.
- Two runs at once on one store both land, and nothing is left marked unfinished.
- A damaged judge or embedding cache is moved aside with a warning naming it, and rebuilt.
- Reading commands create no store; a refused run leaves nothing.
- The per-item token budget refuses an oversized item with its reason; queue time is apart.
- Unscored items give bounds next to the rate, and a finding when they differ materially.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import numpy as np
import pytest
import yaml

from genjudge.errors import StoreError
from genjudge.judge import Judge, JudgeSettings
from genjudge.records import Status
from tests.llm.loopback import Reply, blocks
from tests.robustness.conftest import (
    classification_project,
    cli,
    consistent_judge,
    generation_project,
    spawn_run,
)


def test_a_failed_commit_publishes_no_report_folder(tmp_path, monkeypatch):
    from genjudge.store.runs import RunStore

    folder = classification_project(tmp_path)

    def refuse(self, *a, **k):
        raise StoreError("the store refused the run")

    monkeypatch.setattr(RunStore, "save", refuse)
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == 2 and "the store refused the run" in result.output
    reports = folder / "reports"
    assert not reports.exists() or list(reports.iterdir()) == []  # no folder, no .partial left
    monkeypatch.undo()
    listing = cli(["runs", "list", "--store", "store.db"], folder)
    assert "failed" in listing.output  # the attempt is visible as failed


def test_a_locked_store_is_waited_out(tmp_path):
    folder = classification_project(tmp_path)
    assert cli(["run", "run.yaml"], folder).exit_code == 0  # creates the store
    db = sqlite3.connect(folder / "store.db", isolation_level=None, check_same_thread=False)
    db.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(3.0, lambda: db.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    result = cli(["run", "run.yaml"], folder)
    release.join()
    db.close()
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 2.5  # it waited for the lock rather than failing
    listing = cli(["runs", "list", "--store", "store.db"], folder)
    assert listing.output.count("classification") == 2


def test_concurrent_runs_on_one_store(tmp_path):
    folder = classification_project(tmp_path)
    procs = [spawn_run(folder) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    listing = cli(["runs", "list", "--store", "store.db"], folder)
    assert listing.output.count("done") == 3
    con = sqlite3.connect(folder / "store.db")
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 3
    assert con.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 0
    assert con.execute("SELECT COUNT(DISTINCT run_id) FROM examples").fetchone()[0] == 3
    con.close()


def test_reading_commands_create_no_store(tmp_path):
    result = cli(["runs", "show", "nope", "--store", "absent.db"], tmp_path)
    assert result.exit_code == 2 and "no store at" in result.output
    listing = cli(["runs", "list", "--store", "absent.db"], tmp_path)
    assert listing.exit_code == 0 and "no runs stored yet" in listing.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", [b"", b"garbage, not a database" * 50, "truncate"])
def test_a_damaged_judge_cache_is_moved_aside_and_rebuilt(server, tmp_path, damage):
    server.respond(consistent_judge)
    folder = generation_project(tmp_path, server.base_url)
    assert cli(["run", "run.yaml"], folder).exit_code == 0
    cache = folder / ".genjudge" / "judge_cache.sqlite"
    asked = len(server.prompts())
    if damage == "truncate":
        data = cache.read_bytes()
        cache.write_bytes(data[: len(data) // 3] or b"x")
    else:
        cache.write_bytes(damage or b"\x00" * 100)
    for extra in (".genjudge/judge_cache.sqlite-wal", ".genjudge/judge_cache.sqlite-shm"):
        (folder / extra).unlink(missing_ok=True)
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert f"the cache {cache} is damaged" in result.output
    aside = list(cache.parent.glob("judge_cache.sqlite.damaged-*"))
    assert len(aside) == 1 and str(aside[0]) in result.output
    # Rebuilt: the answers were asked again (the damaged file could not be trusted) and cached anew.
    assert len(server.prompts()) == 2 * asked


def test_a_damaged_embedding_cache_is_moved_aside_and_rebuilt(tmp_path, caplog):
    from genjudge.embed.cache import EmbeddingCache, text_key

    path = tmp_path / "emb.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 3000)
    cache = EmbeddingCache(path)
    assert f"the cache {path} is damaged" in caplog.text
    assert list(tmp_path.glob("emb.sqlite.damaged-*"))
    vec = np.arange(4, dtype=np.float32)
    cache.put_many("m", [(text_key("a"), vec, 3)])
    got = cache.get_many("m", [text_key("a")])
    assert np.array_equal(got[text_key("a")][0], vec) and cache.count() == 1
    cache._conn.execute("UPDATE embeddings SET vec = x'0102'")  # a damaged row is a miss
    cache._conn.commit()
    assert cache.get_many("m", [text_key("a")]) == {}
    cache.close()


async def test_an_oversized_item_is_refused_with_its_reason(loopback, tmp_path):
    loopback.responder = lambda seen: Reply(content=json.dumps({"reason": "ok", "score": 4}))
    s = JudgeSettings(
        provider="openai", model="gpt-4o-mini", base_url=loopback.base_url, api_key_env="GJ_NO_KEY",
        max_input_tokens=2000,
    )  # fmt: skip
    huge = "word " * 400_000  # ~2 MB
    async with Judge(s) as judge:
        small, big = await judge.grade(
            "faithfulness", [{"source": "s", "output": "o"}, {"source": "s", "output": huge}]
        )
    assert small.status is Status.OK
    assert big.status is Status.UNSCORED and big.reason.startswith("too long") and "2,000" in big.reason
    assert len(loopback.seen) == 1  # the oversized item never went out


async def test_queue_time_is_reported_apart_from_call_time(loopback, tmp_path):
    loopback.responder = lambda seen: Reply(content=json.dumps({"reason": "ok", "score": 4}), delay=0.3)
    s = JudgeSettings(
        provider="openai",
        model="gpt-4o-mini",
        base_url=loopback.base_url,
        api_key_env="GJ_NO_KEY",
        concurrency=1,
    )
    async with Judge(s) as judge:
        await judge.grade("faithfulness", [{"source": "s", "output": f"o{i}"} for i in range(4)])
        m = judge.meter
    # One at a time: each call takes ~0.3 s, and the later ones wait 0.3, 0.6, 0.9 s for the slot.
    assert 250 < m.latency_ms_p95 < 800
    assert m.queue_ms_p95 > 500 and m.queue_ms_p50 > 200


def test_unscored_items_give_bounds_and_a_finding(server, tmp_path):
    """Four items the judge is position-inconsistent on leave the rate; the bounds count them both ways."""
    folder = generation_project(tmp_path, server.base_url)
    data = yaml.safe_load((folder / "run.yaml").read_text())
    data["max_failure_share"] = 0.5
    (folder / "run.yaml").write_text(yaml.safe_dump(data))
    students = [json.loads(x)["output"] for x in (folder / "student.jsonl").read_text().splitlines()]
    teachers = [json.loads(x)["output"] for x in (folder / "teacher.jsonl").read_text().splitlines()]
    from genjudge.io.canonical import normalize_text

    flaky = {s for s, t in zip(students, teachers, strict=True) if normalize_text(s) != normalize_text(t)}
    flaky = set(sorted(flaky)[:4])

    def half_fooled(seen):
        a, b = blocks(seen.user)["text-a"], blocks(seen.user)["text-b"]
        if b in flaky:  # equivalent when the student's text comes second, not when it comes first
            return Reply(content=json.dumps({"reason": "r", "verdict": "equivalent"}))
        if a in flaky:
            return Reply(content=json.dumps({"reason": "r", "verdict": "not_equivalent"}))
        return Reply(content=json.dumps({"reason": "r", "verdict": "not_equivalent"}))

    server.respond(half_fooled)
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == 0, result.output
    report = json.loads(next((folder / "reports").glob("*/report.json")).read_text())
    [b] = [x for x in report["unscored_bounds"] if x["metric"] == "judge_equivalence_rate"]
    identical = sum(normalize_text(s) == normalize_text(t) for s, t in zip(students, teachers, strict=True))
    # Hand-derived: the identical pairs are the only "equivalent" ones; 4 of 24 left out.
    assert b["n"] == 20 and b["left_out"] == 4 and b["items"] == 24
    assert b["value"] == pytest.approx(identical / 20)
    assert b["low"] == pytest.approx(identical / 24) and b["high"] == pytest.approx((identical + 4) / 24)
    codes = [f["code"] for f in report["findings"]]
    assert "unscored_bounds" in codes
    assert "unscored_bounds" in result.output or "left out" in result.output
