"""The job queue in the store (genjudge/store/jobs.py): claim, lease, heartbeat, cancel, and no job
taken twice, by threads or by real processes. Parametrised over ``store_url`` (SQLite files here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from genjudge.store.jobs import JobStatus, JobStore

REPO = Path(__file__).resolve().parents[2]


POSTGRES = os.environ.get("GENJUDGE_TEST_PG_URL")
"""A PostgreSQL server URL (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``): each test
then also runs on a database of its own there."""


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    if not POSTGRES:
        pytest.skip("set GENJUDGE_TEST_PG_URL to a PostgreSQL server to run the store tests there too")
    import uuid

    import sqlalchemy as sa

    name = f"gj_jobs_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield sa.engine.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def stores(store_url):
    """JobStore(url) for the test, every one closed at its end (a connection left to the garbage
    collector is a ResourceWarning, an error here)."""
    made: list[JobStore] = []

    def open_store() -> JobStore:
        made.append(JobStore(store_url))
        return made[-1]

    yield open_store
    for store in made:
        store.close()


def test_lifecycle_oldest_first(stores):
    jobs = stores()
    assert jobs.claim("w1", 30) is None
    first = jobs.submit({"n": 1}, "alice")
    second = jobs.submit({"n": 2}, "bob")
    got = jobs.claim("w1", 30)
    assert got is not None and got["job_id"] == first and got["payload"] == {"n": 1}
    assert got["status"] == "running" and got["worker"] == "w1" and got["claims"] == 1
    assert jobs.heartbeat(first, "w1", 30, {"items_done": 3})
    assert jobs.get(first)["progress"] == {"items_done": 3}
    assert not jobs.heartbeat(first, "w2", 30), "only the holder extends the lease"
    assert jobs.finish(first, "w1", JobStatus.DONE, {"run_id": "r1"})
    assert jobs.get(first)["status"] == "done" and jobs.get(first)["result"] == {"run_id": "r1"}
    assert not jobs.finish(first, "w1", JobStatus.FAILED, {}), "a finished job stays finished"
    assert jobs.claim("w1", 30)["job_id"] == second
    assert jobs.claim("w1", 30) is None
    assert [j["job_id"] for j in jobs.list()] == [second, first]
    assert [j["job_id"] for j in jobs.list(owner="alice")] == [first]


def test_an_expired_lease_is_taken_over_and_the_old_worker_told(stores):
    jobs = stores()
    job_id = jobs.submit({}, "alice")
    assert jobs.claim("dead", 0.2)["job_id"] == job_id
    assert jobs.claim("other", 30) is None, "the lease still holds"
    time.sleep(0.3)
    taken = jobs.claim("other", 30)
    assert taken["job_id"] == job_id and taken["worker"] == "other" and taken["claims"] == 2
    assert not jobs.heartbeat(job_id, "dead", 30), "the worker that lost its lease must stop"
    assert not jobs.finish(job_id, "dead", JobStatus.DONE, {})
    assert jobs.heartbeat(job_id, "other", 30)


def test_cancel_and_release(stores):
    jobs = stores()
    queued = jobs.submit({}, "a")
    assert jobs.cancel(queued) and jobs.get(queued)["status"] == "cancelled"
    assert not jobs.cancel(queued)
    assert jobs.claim("w", 30) is None, "a cancelled job is never claimed"
    running = jobs.submit({}, "a")
    jobs.claim("w", 30)
    assert jobs.cancel(running)
    assert not jobs.heartbeat(running, "w", 30), "the worker learns of the cancellation at its heartbeat"
    third = jobs.submit({}, "a")
    jobs.claim("w", 30)
    assert jobs.release(third, "w") and jobs.get(third)["status"] == "queued"
    assert jobs.claim("w2", 30)["job_id"] == third
    assert jobs.get("nope") is None


def test_threads_never_take_the_same_job(stores):
    jobs = stores()
    ids = {jobs.submit({"n": i}, "a") for i in range(60)}
    taken: list[str] = []
    lock = threading.Lock()

    own_stores = [stores() for _ in range(6)]

    def work(name: str) -> None:
        own = own_stores[int(name[1:])]
        while (job := own.claim(name, 60)) is not None:
            with lock:
                taken.append(job["job_id"])

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(taken) == len(set(taken)) == 60 and set(taken) == ids


CLAIMER = """
import json, sys, threading, time
from genjudge.store.jobs import JobStore
url, out, name = sys.argv[1:4]
stores = [JobStore(url) for _ in range(3)]
[s.engine for s in stores]  # connected before the start
print("ready", flush=True)
sys.stdin.readline()  # start together
taken = []
def work(i):
    while (job := stores[i].claim(f"{name}-{i}", 60)) is not None:
        taken.append(job["job_id"])
        time.sleep(0.01)  # the job's work: the other process claims meanwhile
threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
[t.start() for t in threads]
[t.join() for t in threads]
[s.close() for s in stores]
open(out, "w").write(json.dumps(taken))
"""


def test_two_processes_never_take_the_same_job(stores, store_url, tmp_path):
    jobs = stores()
    ids = {jobs.submit({"n": i}, "a") for i in range(80)}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, store_url, str(tmp_path / f"p{i}.json"), f"p{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(2)
    ]
    for p in procs:  # both have imported genjudge before either starts
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    taken = [json.loads((tmp_path / f"p{i}.json").read_text()) for i in range(2)]
    assert not set(taken[0]) & set(taken[1])
    assert len(taken[0]) + len(taken[1]) == 80 and set(taken[0]) | set(taken[1]) == ids
    assert taken[0] and taken[1], "both processes took jobs (they did compete)"
    assert {j["claims"] for j in jobs.list(100)} == {1}
