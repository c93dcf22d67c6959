"""`genjudge run` with the judge's calls sent as a provider batch (``judge: {batch: true}``).

The server is the batch loopback (tests/llm/batch_loopback.py) in its own thread, the real openai
SDK on the other side. A batch run reports the same numbers as a synchronous one at half the judge
cost; a run killed with SIGKILL (or stopped with SIGTERM) while it polls its batch resumes that
batch when the same command is run again, without sending another.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.llm.batch_loopback import BatchLoopback
from tests.robustness.conftest import (
    ThreadedLoopback,
    cli,
    consistent_judge,
    generation_project,
    spawn_run,
)
from tests.robustness.test_kill_and_resume import COMPARED, report_of

BATCH = {"batch": True, "batch_poll_s": 0.05, "batch_collect_s": 0.2}


@pytest.fixture
def batch_server():
    s = ThreadedLoopback(BatchLoopback)
    s.respond(consistent_judge)
    yield s
    s.close()


def journal_states(folder: Path) -> dict[str, int]:
    path = folder / ".genjudge" / "judge_cache-batches.sqlite"
    if not path.exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(db.execute("SELECT state, COUNT(*) FROM batches GROUP BY state").fetchall())
    except sqlite3.OperationalError:
        return {}  # the table is not there yet
    finally:
        db.close()


def test_a_batch_run_reports_what_a_synchronous_run_reports_at_half_the_judge_cost(batch_server, tmp_path):
    (tmp_path / "sync").mkdir()
    (tmp_path / "batch").mkdir()
    sync_folder = generation_project(tmp_path / "sync", batch_server.base_url)
    result = cli(["run", "run.yaml"], sync_folder)
    assert result.exit_code == 0, result.output
    calls = len(batch_server.server.seen)
    assert calls > 0 and batch_server.server.creations == 0

    folder = generation_project(tmp_path / "batch", batch_server.base_url, **BATCH)
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == 0, result.output
    server = batch_server.server
    assert server.creations == 1 and len(server.seen) == calls  # no synchronous call added
    assert len(server.batch_seen) == calls

    report, base = report_of(folder), report_of(sync_folder)
    for key in COMPARED:
        assert report[key] == base[key], key
    assert report["sections"]["judge_equivalence"]["judge"]["batch"] is True
    assert "batch" not in base["sections"]["judge_equivalence"]["judge"]
    meter = report["sections"]["judge_equivalence"]["judge_meter"]
    base_meter = base["sections"]["judge_equivalence"]["judge_meter"]
    assert meter["calls"] == base_meter["calls"] == calls and meter["errors"] == 0
    assert meter["cost_usd"] == pytest.approx(base_meter["cost_usd"] / 2, rel=1e-9)
    assert journal_states(folder) == {"done": 1}


@pytest.mark.parametrize(
    "sig, status", [(signal.SIGKILL, -9), (signal.SIGTERM, 143)], ids=["kill9", "sigterm"]
)
def test_a_run_killed_while_it_polls_resumes_its_batch_without_sending_another(
    batch_server, tmp_path, sig, status
):
    server = batch_server.server
    server.hold = True  # the batch stays in progress until the child is killed
    folder = generation_project(tmp_path, batch_server.base_url, **BATCH)
    proc = spawn_run(folder)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.1)
        # journaled (state open, with its id) and polled at least twice since
        if journal_states(folder) == {"open": 1} and server.retrieves >= 2:
            break
        if proc.poll() is not None:
            pytest.fail(f"the child ended early: {proc.communicate()}")
    else:
        proc.kill()
        pytest.fail(f"the child never journaled its batch: {proc.communicate()}")
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"the child did not end on {sig.name}")
    assert proc.returncode == status, err[-4000:]
    if sig is signal.SIGTERM:
        assert "Traceback" not in err and "resumes" in err
        assert journal_states(folder) == {"open": 1}  # stopping the wait left the batch to resume
    assert server.creations == 1 and server.batch_seen == [] and server.seen == []

    server.hold = False
    proc = spawn_run(folder)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, (out, err[-4000:])
    assert "Traceback" not in err
    # The same batch was polled and read: exactly one batch was ever created, no call went alone.
    assert server.creations == 1 and server.seen == []
    assert len(server.batch_seen) == len({s.user for s in server.batch_seen}) > 0
    assert journal_states(folder) == {"done": 1}
    meter = report_of(folder)["sections"]["judge_equivalence"]["judge_meter"]
    assert meter["errors"] == 0 and meter["calls"] == len(server.batch_seen)
