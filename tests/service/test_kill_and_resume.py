"""``genjudge serve`` killed with SIGKILL in the middle of a job: the next service resumes it without
asking the judge again what it had answered, and loses no finished item.

The judge is the loopback server (real openai SDK on the client side). It answers the first K
distinct prompts and holds every later one; the service is killed once those K answers are cached.
A second service on the same store takes the job when the dead worker's lease expires, and the
server's request log proves that no answered call is asked again and each missing one exactly once.
The resumed report equals an uninterrupted run's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from genjudge.llm.cache import CallCache
from tests.llm.loopback import Reply
from tests.robustness.conftest import consistent_judge
from tests.service.bodies import classification_job, inline_body, wait_for
from tests.service.conftest import REPO, ServeProcess, ThreadedService, make_settings

ANSWERED_FIRST = 9
COMPARED = ("metrics", "counts", "findings", "outcome", "unscored_bounds", "headline")


def cached(path) -> int:
    if not path.exists():
        return 0
    cache = CallCache(path)
    try:
        return len(cache)
    finally:
        cache.close()


def test_killed_service_resumes_its_job_without_repeating_a_judge_call(judge_server, tmp_path, token):
    answered: set[str] = set()

    def hold_after_k(seen):
        if len(answered) < ANSWERED_FIRST and seen.user not in answered:
            answered.add(seen.user)
            return consistent_judge(seen)
        return Reply(content="{}", delay=120)

    judge_server.respond(hold_after_k)
    args = ["--store", "store.db", "--tokens", "tokens.json", "--lease", "2", "--key-env", "GJ_ROBUST_NO_KEY"]
    first = ServeProcess(tmp_path, *args)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=first.url, headers=auth, timeout=60) as client:
            job = client.post("/v1/runs", json=inline_body(judge_server.base_url)).json()
        cache = tmp_path / "service" / "jobs" / job["id"] / ".genjudge" / "judge_cache.sqlite"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.1)
            in_flight = len(judge_server.prompts()) - len(answered)
            if len(answered) == ANSWERED_FIRST and in_flight >= 4 and cached(cache) == ANSWERED_FIRST:
                break
        else:
            raise AssertionError(f"the service never reached {ANSWERED_FIRST} answers:\n{first.output()}")
    finally:
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    first_wave = judge_server.prompts()

    judge_server.respond(consistent_judge)
    second = ServeProcess(tmp_path, *args)
    try:
        with httpx.Client(base_url=second.url, headers=auth, timeout=60) as client:
            done = wait_for(client, job["id"], timeout=180)
            assert done["status"] == "done", (done, second.output())
            assert done["claims"] == 2, "taken again after the dead worker's lease expired"
            report = client.get(f"/v1/runs/{job['id']}/report").json()
    finally:
        assert second.stop() == 0, second.output()
    assert "Traceback" not in second.output()
    second_wave = judge_server.prompts()[len(first_wave) :]
    # No answered call is repeated; each missing call is asked exactly once.
    assert not answered & set(second_wave)
    assert len(second_wave) == len(set(second_wave))
    meter = report["sections"]["judge_equivalence"]["judge_meter"]
    assert meter["cached"] == ANSWERED_FIRST and meter["calls"] == len(second_wave)
    assert report["counts"]["items"] == 24 and report["counts"]["ok"] + report["counts"]["unscored"] == 24

    # An uninterrupted job on a fresh service gives the same report.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    from genjudge.service.tokens import add_token

    other = add_token(fresh / "tokens.json", "alice")
    service = ThreadedService(make_settings(fresh))
    try:
        with httpx.Client(
            base_url=service.url, headers={"Authorization": f"Bearer {other}"}, timeout=60
        ) as c:
            base_job = c.post("/v1/runs", json=inline_body(judge_server.base_url)).json()
            assert wait_for(c, base_job["id"])["status"] == "done"
            base_report = c.get(f"/v1/runs/{base_job['id']}/report").json()
    finally:
        service.close()
    for key in COMPARED:
        assert report[key] == base_report[key], key
    base_meter = base_report["sections"]["judge_equivalence"]["judge_meter"]
    assert base_meter["calls"] == ANSWERED_FIRST + len(second_wave)


def test_two_services_and_the_cli_on_one_store_lose_nothing(tmp_path, token, store_url):
    """Two `genjudge serve` processes with two workers each and two `genjudge run` CLIs, one store
    (SQLite file and PostgreSQL): every job runs exactly once and every run is stored."""
    args = ["--store", store_url, "--tokens", "tokens.json", "--workers", "2"]
    services = [ServeProcess(tmp_path, *args), ServeProcess(tmp_path, *args)]
    auth = {"Authorization": f"Bearer {token}"}
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    config = REPO / "examples" / "tickets" / "genjudge.yaml"
    try:
        clients = [httpx.Client(base_url=s.url, headers=auth, timeout=60) for s in services]
        ids = [clients[i % 2].post("/v1/runs", json=classification_job(i)).json()["id"] for i in range(8)]
        # the CLI writes runs to the same store while the services' workers do
        cli_runs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "genjudge",
                    "run",
                    str(config),
                    "--store",
                    store_url,
                    "--out",
                    f"cli-{k}",
                    "-q",
                ],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for k in range(2)
        ]
        done = [wait_for(clients[(i + 1) % 2], job_id) for i, job_id in enumerate(ids)]
        cli_errors = [p.communicate(timeout=300)[1] for p in cli_runs]
        for c in clients:
            c.close()
    finally:
        codes = [s.stop() for s in services]
    assert codes == [0, 0], [s.output() for s in services]
    assert [p.returncode for p in cli_runs] == [0, 0], cli_errors
    assert [d["status"] for d in done] == ["done"] * 8, done
    assert [d["claims"] for d in done] == [1] * 8
    pids = {d["worker"].split(":")[1] for d in done}
    assert pids == {str(s.proc.pid) for s in services}, "both services took jobs"
    from genjudge.store import RunStore

    stored = {r["run_id"]: r for r in RunStore(store_url).list(100)}
    job_runs = {d["result"]["run_id"] for d in done}
    assert job_runs <= set(stored)
    cli_stored = [stored[run_id] for run_id in set(stored) - job_runs]
    assert len(cli_stored) == 2 and {r["name"] for r in cli_stored} == {"tickets-student-v1"}, cli_stored
