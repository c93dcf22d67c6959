"""A run that cannot do its job says so and exits non-zero; a provider that fails is not hammered.

Every case drives the real CLI against the loopback server and reads the server's request count.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from genjudge.llm.cache import CallCache
from tests.llm.loopback import Reply
from tests.robustness.conftest import cli, consistent_judge, generation_project

SECRET = "sk-live-7hVqXb2mR9kLp4TzW1nS"


def report_of(folder: Path) -> dict:
    found = sorted((folder / "reports").glob("*/report.json"))
    assert len(found) == 1, found
    return json.loads(found[0].read_text())


def needed_calls(folder: Path) -> int:
    """Judge calls a run over the example makes: two orders per pair not identical after normalisation."""
    from genjudge.io.canonical import normalize_text

    teacher = {
        json.loads(x)["id"]: json.loads(x)["output"]
        for x in (folder / "teacher.jsonl").read_text().splitlines()
    }
    student = {
        json.loads(x)["id"]: json.loads(x)["output"]
        for x in (folder / "student.jsonl").read_text().splitlines()
    }
    return 2 * sum(normalize_text(teacher[i]) != normalize_text(student[i]) for i in teacher)


def test_hung_server_opens_the_breaker_and_the_run_fails(server, tmp_path):
    server.respond(lambda seen: Reply(content="{}", delay=60))
    folder = generation_project(tmp_path, server.base_url, timeout_s=0.3, max_attempts=2, breaker_failures=4)
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "run failed" in result.output and "CircuitOpen" in result.output
    # 4 failed attempts in a row open the circuit; at most 4 more were already in flight.
    sent = len(server.prompts())
    assert sent <= 4 + 4 < needed_calls(folder)
    report = report_of(folder)
    assert report["outcome"]["status"] == "failed"
    assert report["findings"][0]["code"] == "run_failed"
    assert "CircuitOpen" in report["findings"][0]["message"]


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_stop_the_run_at_once(server, tmp_path, status, monkeypatch):
    monkeypatch.setenv("GJ_ROBUST_KEY", SECRET)
    server.respond(lambda seen: Reply(status=status, content=f"Incorrect API key provided: {SECRET}."))
    folder = generation_project(tmp_path, server.base_url, api_key_env="GJ_ROBUST_KEY")
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == 1, result.output
    assert "refused the credentials" in result.output and f"HTTP {status}" in result.output
    assert SECRET not in result.output and "[REDACTED]" in result.output
    assert "Traceback" not in result.output
    assert len(server.prompts()) <= 4  # only the calls already in flight (concurrency 4)
    assert not (folder / "reports").exists()
    listing = cli(["runs", "list", "--store", "store.db"], folder)
    assert "failed" in listing.output and SECRET not in listing.output


def test_bad_request_everywhere_fails_the_run_without_hammering(server, tmp_path):
    server.respond(lambda seen: Reply(status=400, content="unsupported parameter: response_format"))
    folder = generation_project(tmp_path, server.base_url)
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == 1, result.output
    assert "run failed" in result.output and "CircuitOpen" in result.output
    assert len(server.prompts()) <= 25 + 4 < needed_calls(folder)  # breaker at 25 attempts, plus in flight
    assert report_of(folder)["outcome"]["reasons"]


def test_garbage_answers_fail_the_run_and_are_not_cached(server, tmp_path):
    server.respond(lambda seen: Reply(content="lol no"))
    folder = generation_project(tmp_path, server.base_url)
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == 1, result.output
    assert "unparseable" in result.output
    cache = CallCache(folder / ".genjudge" / "judge_cache.sqlite")
    assert len(cache) == 0  # a re-run asks again
    cache.close()
    asked = len(server.prompts())
    assert asked == needed_calls(folder)
    server.respond(consistent_judge)
    again = cli(["run", "run.yaml"], folder)
    assert again.exit_code == 0, again.output
    assert len(server.prompts()) == 2 * asked


def test_storms_that_recover_do_not_fail_the_run(server, tmp_path):
    seen_once: set[str] = set()

    def flaky(seen):
        if seen.user not in seen_once:
            seen_once.add(seen.user)
            return Reply(status=500 if len(seen_once) % 2 else 429, headers={"Retry-After": "0"})
        return consistent_judge(seen)

    server.respond(flaky)
    folder = generation_project(tmp_path, server.base_url)
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == 0, result.output
    assert report_of(folder)["outcome"]["status"] == "ok"
    assert len(server.prompts()) == 2 * needed_calls(folder)


@pytest.mark.parametrize("share, status", [(0.05, 0), (0.01, 1)])
def test_failure_share_threshold_is_configurable(server, tmp_path, share, status):
    folder = generation_project(tmp_path, server.base_url)
    data = yaml.safe_load((folder / "run.yaml").read_text())
    data["max_failure_share"] = share
    (folder / "run.yaml").write_text(yaml.safe_dump(data))
    target = json.loads((folder / "student.jsonl").read_text().splitlines()[1])["output"]

    def one_bad(seen):  # garbage for the one item whose student output is `target`
        if target in seen.user:
            return Reply(content="no verdict here")
        return consistent_judge(seen)

    server.respond(one_bad)
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == status, result.output
    outcome = report_of(folder)["outcome"]
    assert outcome["not_scored"] == 1 and outcome["failure_share"] == pytest.approx(1 / 24)
    assert outcome["status"] == ("failed" if status else "ok")


def test_no_secret_reaches_any_file_a_run_writes(server, tmp_path, monkeypatch):
    """A provider error echoing the key, and credentials in base_url: grep every file written."""
    monkeypatch.setenv("GJ_ROBUST_KEY", SECRET)
    folder = generation_project(tmp_path, server.base_url, api_key_env="GJ_ROBUST_KEY")
    data = yaml.safe_load((folder / "run.yaml").read_text())
    data["judge"]["base_url"] = server.base_url.replace("http://", "http://alice:hunter2pw@")
    (folder / "run.yaml").write_text(yaml.safe_dump(data))
    target = json.loads((folder / "student.jsonl").read_text().splitlines()[2])["output"]

    def leaky(seen):
        if target in seen.user:  # one item: a 400 that echoes the key and a bearer token
            return Reply(status=400, content=f"Invalid key {SECRET} (Authorization: Bearer {SECRET})")
        return consistent_judge(seen)

    server.respond(leaky)
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == 0, result.output
    files = [p for p in folder.rglob("*") if p.is_file() and p.name not in ("run.yaml",)]
    assert any(p.name == "store.db" for p in files) and any(p.name == "report.json" for p in files)
    for path in files:
        blob = path.read_bytes()
        assert SECRET.encode() not in blob, path
        assert b"hunter2pw" not in blob, path
    assert SECRET not in result.output and "hunter2pw" not in result.output
    report = report_of(folder)
    assert "[REDACTED]" in json.dumps(report)
    assert report["run"]["config"]["judge"]["base_url"].startswith("http://[REDACTED]@")
