"""Runs as jobs through a real HTTP client: submit, follow (status and Server-Sent Events), report,
rows, cancel; compare and gate over HTTP give the records the Python API (and so the CLI) gives."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from tests.llm.loopback import Reply
from tests.robustness.conftest import consistent_judge
from tests.service.bodies import classification_job, inline_body, wait_for
from tests.service.conftest import ThreadedService, make_settings


@pytest.fixture
def service(tmp_path, token, store_url):
    """The service on a SQLite file and on PostgreSQL (the store the jobs and runs live in)."""
    s = ThreadedService(make_settings(tmp_path, store_url=store_url))
    yield s
    s.close()


def test_inline_job_runs_and_serves_its_report_and_rows(client, judge_server):
    judge_server.respond(consistent_judge)
    r = client.post("/v1/runs", json=inline_body(judge_server.base_url))
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["owner"] == "alice"

    with client.stream("GET", f"/v1/runs/{job['id']}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = []
        kind = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line[len("event: ") :]
            elif line.startswith("data: "):
                events.append((kind, json.loads(line[len("data: ") :])))
    assert events[-1] == ("end", {"status": "done"})
    progress = [data for kind, data in events if kind == "progress"]
    assert progress[-1]["status"] == "done"

    done = wait_for(client, job["id"])
    assert done["status"] == "done" and done["claims"] == 1, done
    assert done["progress"]["items"] == 24 and done["progress"]["finished"] is True
    run_id = done["result"]["run_id"]

    report = client.get(f"/v1/runs/{job['id']}/report").json()
    assert report["run"]["run_id"] == run_id and report["counts"]["items"] == 24
    # the same report under the run's own id (as for a run made by `genjudge run`)
    assert client.get(f"/v1/runs/{run_id}/report").json() == report

    page = client.get(f"/v1/runs/{job['id']}/examples", params={"offset": 20, "limit": 10}).json()
    assert page["total"] == 24 and [row["id"] for row in page["items"]] == ["s-21", "s-22", "s-23", "s-24"]
    first = client.get(f"/v1/runs/{job['id']}/examples", params={"limit": 3}).json()["items"]
    assert [row["id"] for row in first] == ["s-01", "s-02", "s-03"]
    assert "judge_equivalence.status" in first[0]
    ok = client.get(f"/v1/runs/{job['id']}/examples", params={"status": "ok", "limit": 500}).json()
    assert ok["total"] == report["counts"]["ok"]
    assert [j["id"] for j in client.get("/v1/runs").json()] == [job["id"]]


def test_unknown_and_unfinished_jobs(client, judge_server):
    assert client.get("/v1/runs/job-nope").status_code == 404
    assert client.get("/v1/runs/nope/report").status_code == 404
    assert client.post("/v1/runs/job-nope/cancel").status_code == 404
    assert client.get("/v1/runs/job-nope/events").status_code == 404
    judge_server.respond(lambda seen: Reply(content="{}", delay=120))  # the judge never answers
    job = client.post("/v1/runs", json=inline_body(judge_server.base_url)).json()
    deadline = time.monotonic() + 60
    while client.get(f"/v1/runs/{job['id']}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    r = client.get(f"/v1/runs/{job['id']}/report")
    assert r.status_code == 409 and "running" in r.json()["error"]["message"]
    cancelled = client.post(f"/v1/runs/{job['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.delete(f"/v1/runs/{job['id']}").status_code == 409  # already ended
    # The worker stopped the cancelled run (its judge calls would never end): the next job runs.
    following = client.post("/v1/runs", json=classification_job(0)).json()
    assert wait_for(client, following["id"], timeout=60)["status"] == "done"
    assert client.get(f"/v1/runs/{job['id']}").json()["status"] == "cancelled"


def test_bad_job_requests_are_refused_before_they_are_queued(client, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text("task: generation\n")
    cases = [
        ({}, "config_path"),
        ({"config_path": "../" + outside.name}, "outside"),
        ({"config_path": "missing.yaml"}, "not a file"),
        ({"config": {"task": "generation", "store": "x.db"}, "data": {"items": [{"id": "a", "input": "x"}]}}, "store"),
        ({"config": {"task": "generation", "set": "s.jsonl"}, "data": {"items": [{"id": "a", "input": "x"}]}}, "set"),
        ({"config": {"task": "generation", "checks": ["nope"]}, "data": {"items": [{"id": "a", "input": "x"}]}}, "nope"),
        ({"config": {"task": "generation", "judge": {"api_key_env": "HOME"}},
          "data": {"items": [{"id": "a", "input": "x"}]}}, "api_key_env"),
        ({"config": {"task": "generation"},
          "data": {"items": [{"id": "a", "input": "x"}, {"id": "a", "input": "y"}]}}, "duplicate"),
        ({"config": {"task": "generation"}, "data": {"items": [{"id": "a", "input": "x"}], "slices": ["tier"]}},
         "tier"),
        ({"config": {"task": "generation", "set": "/etc/passwd", "teacher": "t", "student": "s"}}, "outside"),
    ]  # fmt: skip
    for body, word in cases:
        r = client.post("/v1/runs", json=body)
        assert r.status_code == 400, (body, r.text)
        assert word in r.json()["error"]["message"], (body, r.text)
    assert client.post("/v1/runs", json={"config": 3}).status_code == 422
    assert client.get("/v1/runs").json() == []
    outside.unlink()


def test_a_config_file_on_the_server_runs_like_genjudge_run(client, service, tmp_path):
    """A config under the root, relative paths resolved against its folder, as the CLI does."""
    project = tmp_path / "proj"
    from tests.robustness.conftest import classification_project

    classification_project(tmp_path)
    r = client.post("/v1/runs", json={"config_path": "proj/run.yaml"})
    assert r.status_code == 202, r.text
    done = wait_for(client, r.json()["id"])
    assert done["status"] == "done", done
    report = client.get(f"/v1/runs/{done['id']}/report").json()
    assert report["counts"]["items"] == 12
    # stored in the service's store (the config's own `store:` is the CLI's, not the service's)
    from genjudge.store import RunStore

    assert (
        RunStore(service.settings.store_url).get(done["result"]["run_id"])[0].run_id
        == done["result"]["run_id"]
    )
    assert (project / "reports" / done["result"]["run_id"] / "report.json").is_file()


def test_compare_and_gate_give_the_records_of_the_python_api(client, service, judge_server, tmp_path):
    from genjudge.api import compare, gate

    judge_server.respond(consistent_judge)
    ids = []
    for seed in (0, 1):
        job = client.post("/v1/runs", json=inline_body(judge_server.base_url, seed=seed)).json()
        done = wait_for(client, job["id"])
        assert done["status"] == "done", done
        ids.append(done["result"]["run_id"])
    r = client.post("/v1/compare", json={"run_a": ids[0], "run_b": ids[1]})
    assert r.status_code == 200, r.text
    expected = compare(ids[0], ids[1], store=service.settings.store_url).as_json()
    assert r.json() == json.loads(json.dumps(expected).replace("NaN", "null"))
    latest = client.post("/v1/compare", json={"latest": 2})
    assert latest.json()["a"]["run_id"] == ids[0] and latest.json()["b"]["run_id"] == ids[1]

    policy = {"rules": [{"metric": "agreement_rate", "subject": "student_vs_teacher", "floor": 0.99}],
              "min_support": 8}  # fmt: skip
    r = client.post("/v1/gate", json={"run": ids[1], "policy": policy, "baseline": "previous"})
    assert r.status_code == 200, r.text
    from genjudge.gating import GatePolicy

    want = gate(
        GatePolicy.model_validate(policy), ids[1], baseline="previous", store=service.settings.store_url
    )
    got = r.json()
    assert got["passed"] is want.passed is False
    assert {k: got[k] for k in want.as_json()} == json.loads(
        json.dumps(want.as_json()).replace("NaN", "null")
    )
    (tmp_path / "gate.yaml").write_text(yaml.safe_dump(policy))
    by_file = client.post(
        "/v1/gate", json={"run": ids[1], "policy_path": "gate.yaml", "baseline": "previous"}
    )
    assert by_file.json()["cells"] == got["cells"]
    bad = [
        ({"run": ids[1]}, 400), ({"run": ids[1], "policy": {"rules": []}}, 400),
        ({"run": "nope", "policy": policy}, 404), ({"run_a": ids[0]}, 400),
    ]  # fmt: skip
    for body, status in bad[:3]:
        assert client.post("/v1/gate", json=body).status_code == status, body
    assert client.post("/v1/compare", json=bad[3][0]).status_code == 400
    assert client.post("/v1/compare", json={"run_a": ids[0], "run_b": "nope"}).status_code == 404


def test_validate_over_http_records_the_decision_of_the_python_api(client, service, tmp_path):
    """``genjudge validate`` with imported verdicts, over HTTP: the same decision, recorded in the store."""
    from genjudge.api import ValidationConfig, run_validation
    from genjudge.validation.store import list_decisions
    from tests.validation.conftest import write_sample, write_verdicts

    _, truth = write_sample(tmp_path / "sample")
    write_verdicts(tmp_path / "verdicts.csv", [int(t) for t in truth])
    config = {"sample": "sample", "verdicts": "verdicts.csv", "judge_model": "m", "resamples": 200, "seed": 3}
    r = client.post("/v1/validate", json={"config": config})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["recorded"] is True
    direct = run_validation(
        ValidationConfig.build(
            {**config, "sample": tmp_path / "sample", "verdicts": tmp_path / "verdicts.csv", "record": False}
        )
    ).decision.model_dump(mode="json")
    skip = {"decision_id", "created_at"}
    assert {k: v for k, v in got["decision"].items() if k not in skip} == json.loads(
        json.dumps({k: v for k, v in direct.items() if k not in skip}).replace("NaN", "null")
    )
    stored = list_decisions(service.settings.store_url)
    assert [d.decision_id for d in stored] == [got["decision"]["decision_id"]]
    bad = [{"sample": "/etc"}, {"sample": "sample", "bogus": 1}, {"sample": "sample", "store": "x.db"},
           {"sample": 3}]  # fmt: skip
    for body in bad:
        r = client.post("/v1/validate", json={"config": body})
        assert r.status_code == 400, (body, r.text)
