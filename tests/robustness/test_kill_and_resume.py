"""kill -9, SIGTERM and SIGINT at several points of a real `genjudge run` subprocess.

The judge is the loopback server (real openai SDK on the client side). It answers the first K
distinct prompts at once and holds every later one, so the child is stopped with exactly K
answers received and cached and 4 calls in flight. The run is then resumed with the same
command, and the server's request log proves that no answered call is asked again, each missing
call is asked exactly once, and the resumed report equals an uninterrupted run's.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from genjudge.llm.cache import CallCache
from tests.llm.loopback import Reply
from tests.robustness.conftest import cli, consistent_judge, generation_project, spawn_run

COMPARED = ("metrics", "counts", "findings", "outcome", "unscored_bounds", "headline")


def report_of(folder: Path) -> dict:
    found = sorted((folder / "reports").glob("*/report.json"))
    assert len(found) == 1, found
    return json.loads(found[0].read_text())


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The report of an uninterrupted run, and how many distinct judge calls a run makes."""
    from tests.robustness.conftest import ThreadedLoopback

    server = ThreadedLoopback()
    try:
        server.respond(consistent_judge)
        folder = generation_project(tmp_path_factory.mktemp("base"), server.base_url)
        result = cli(["run", "run.yaml"], folder)
        assert result.exit_code == 0, result.output
        counts = server.counts()
        assert set(counts.values()) == {1}
        return report_of(folder), len(counts)
    finally:
        server.close()


def cached(folder: Path) -> int:
    path = folder / ".genjudge" / "judge_cache.sqlite"
    if not path.exists():
        return 0
    cache = CallCache(path)
    try:
        return len(cache)
    finally:
        cache.close()


@pytest.mark.parametrize(
    "sig, answered_first, status",
    [
        (signal.SIGKILL, 0, -9),  # before any answer
        (signal.SIGKILL, 9, -9),  # mid-way
        (signal.SIGINT, 5, 130),
        (signal.SIGTERM, 13, 143),
        (signal.SIGKILL, 30, -9),  # most calls answered
    ],
    ids=["kill9-at-0", "kill9-at-9", "sigint-at-5", "sigterm-at-13", "kill9-at-30"],
)
def test_stopped_run_resumes_without_repeating_an_answered_call(
    server, tmp_path, baseline, sig, answered_first, status
):
    base_report, needed = baseline
    assert answered_first < needed
    answered: set[str] = set()

    def hold_after_k(seen):
        if len(answered) < answered_first and seen.user not in answered:
            answered.add(seen.user)
            return consistent_judge(seen)
        return Reply(content="{}", delay=120)

    server.respond(hold_after_k)
    folder = generation_project(tmp_path, server.base_url)
    proc = spawn_run(folder)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.1)
        in_flight = len(server.prompts()) - len(answered)
        if len(answered) == answered_first and in_flight >= 4 and cached(folder) == answered_first:
            break
    else:
        proc.kill()
        pytest.fail(f"the child never reached {answered_first} answers: {proc.communicate()}")
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        # SIGABRT makes the child print where every thread is stuck (PYTHONFAULTHANDLER), then it is
        # killed and its pipes closed, so the failure says why and does not leak into later tests.
        proc.send_signal(signal.SIGABRT)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        pytest.fail(f"the child did not exit within 120 s of {sig.name}; its threads:\n{err[-6000:]}")
    assert proc.returncode == status, (out, err)
    assert "Traceback" not in err
    if sig in (signal.SIGINT, signal.SIGTERM):
        assert f"{answered_first} judge answers were in hand" in err
        assert "resumes" in err
    first_wave = server.prompts()
    assert not (folder / "reports").exists() or not any((folder / "reports").iterdir())

    listing = cli(["runs", "list", "--store", "store.db"], folder)
    state = {signal.SIGKILL: "killed", signal.SIGINT: "interrupted", signal.SIGTERM: "interrupted"}[sig]
    assert listing.exit_code == 0 and state in listing.output, listing.output

    server.respond(consistent_judge)
    resumed = cli(["run", "run.yaml"], folder)
    assert resumed.exit_code == 0, resumed.output
    second_wave = server.prompts()[len(first_wave) :]
    # No answered call is repeated; each missing call is asked exactly once.
    assert not answered & set(second_wave)
    assert len(second_wave) == len(set(second_wave)) == needed - answered_first

    report = report_of(folder)
    for key in COMPARED:
        assert report[key] == base_report[key], key
    meter = report["sections"]["judge_equivalence"]["judge_meter"]
    base_meter = base_report["sections"]["judge_equivalence"]["judge_meter"]
    assert meter["cached"] == answered_first and meter["calls"] == needed - answered_first
    # The whole evaluation's judge cost equals the uninterrupted run's; this invocation paid less.
    assert meter["evaluation_cost_usd"] == pytest.approx(base_meter["cost_usd"])
    if answered_first:
        assert meter["cost_usd"] < base_meter["cost_usd"]
    listing = cli(["runs", "list", "--store", "store.db"], folder)
    assert state in listing.output and report["run"]["run_id"] in listing.output
