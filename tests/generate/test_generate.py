"""generate through the real SDKs against the loopback server: same request for both sides, rows,
sidecars, labels -> probs, errors and their retry."""

from __future__ import annotations

import json
import math

from typer.testing import CliRunner

from genjudge.cli import app
from genjudge.generation import generate_async
from genjudge.io.outputs import load_outputs
from genjudge.llm.prices import PriceTable
from tests.docs.sandbox import LoopbackThread
from tests.generate.conftest import LABELS, openai_side, write_config
from tests.llm.loopback import Reply


def item(seen) -> int:
    return int(seen.user.split("Ticket ")[1].split(":")[0])


def labelled(seen) -> Reply:
    """Item i answers LABELS[i % 4], its first token the label's first 3 letters, with top-3."""
    label = LABELS[item(seen) % 4]
    first, rest = label[:3], label[3:]
    other = LABELS[(item(seen) + 1) % 4]
    top = [
        {"token": first, "logprob": -0.1},
        {"token": " " + other[:2].upper(), "logprob": -2.5},
        {"token": "\n", "logprob": -4.0},
    ]
    return Reply(
        content=label,
        logprobs=[
            {"token": first, "logprob": -0.1, "top_logprobs": top},
            {"token": rest, "logprob": -0.01, "top_logprobs": [{"token": rest, "logprob": -0.01}]},
        ],
    )


def rows_of(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_both_sides_get_the_same_request_and_the_files_load(loopback, tmp_path):
    loopback.responder = labelled
    config = write_config(tmp_path, openai_side(loopback, "gpt-4o-mini"), openai_side(loopback, "my-student"))
    result = await generate_async(config)
    assert result.errors == 0 and result.differences == []
    # 6 items per side, teacher first, then student: the sides never overlap.
    models = [s.body["model"] for s in loopback.seen]
    assert models == ["gpt-4o-mini"] * 6 + ["my-student"] * 6
    bodies = {}
    for s in loopback.seen:
        body = {k: v for k, v in s.body.items() if k != "model"}
        bodies.setdefault(item(s), []).append(json.dumps(body, sort_keys=True))
    assert all(len(b) == 2 and b[0] == b[1] for b in bodies.values())
    body = loopback.seen[0].body
    assert body["temperature"] == 0.0 and body["max_tokens"] == 16 and body["top_logprobs"] == 10
    assert body["messages"][0]["content"] == "Classify into: account, billing, cancellation, fraud_report."

    teacher = rows_of(tmp_path / "generated" / "teacher.jsonl")
    assert [r["id"] for r in teacher] == [f"t{i}" for i in range(6)]
    assert [r["output"] for r in teacher] == [LABELS[i % 4] for i in range(6)]
    price = PriceTable.load().lookup("openai", "gpt-4o-mini")
    arrived = {f"t{item(s)}": s for s in loopback.seen[:6]}  # in arrival order, not set order
    for r in teacher:
        seen = arrived[r["id"]]
        # the loopback's usage: prompt chars // 4 in, content chars // 4 (at least 1) out
        tokens_in = (len(seen.system) + len(seen.user)) // 4
        tokens_out = max(1, len(LABELS[item(seen) % 4]) // 4)
        assert (r["input_tokens"], r["output_tokens"]) == (tokens_in, tokens_out)
        assert r["cost"] == price.cost(tokens_in, tokens_out) and r["cost"] > 0
        assert r["latency_ms"] > 0 and r["finish_reason"] == "stop" and "error" not in r
        assert len(r["logprobs"]) == 2 and r["logprobs"][0]["top"]
    student = rows_of(tmp_path / "generated" / "student.jsonl")
    assert all(r["cost"] is None for r in student)  # no price for my-student

    set_ids = [f"t{i}" for i in range(6)]
    for side in ("teacher", "student"):
        loaded = load_outputs(tmp_path / "generated" / f"{side}.jsonl", set_ids, labels=True)
        assert loaded.missing == [] and set(loaded.probs) == set(set_ids)
    settings = json.loads((tmp_path / "generated" / "student.jsonl.generation.json").read_text())
    assert settings["provider"] == "openai" and settings["model"] == "my-student"
    assert settings["calls"] == 6 and settings["cached"] == 0 and settings["errors"] == 0
    assert settings["batch_size"] == 1 and settings["concurrency"] == 4
    assert settings["model_identity"]["base_url"].startswith("http://127.0.0.1")
    assert settings["throughput_calls_per_s"] > 0 and settings["memory_source"] == "unknown"
    assert settings["hardware"]["runs_on"] == "remote server"


async def test_labels_give_probs_from_the_first_tokens_top_logprobs(loopback, tmp_path):
    loopback.responder = labelled
    config = write_config(tmp_path, openai_side(loopback, "t"), openai_side(loopback, "s"))
    await generate_async(config, sides=["student"])
    rows = {r["id"]: r for r in rows_of(tmp_path / "generated" / "student.jsonl")}
    # t3: fraud_report, first token "fra" (lp -0.1); " AC" -> account (lp -2.5); "\n" maps to none.
    a, b, lost = math.exp(-0.1), math.exp(-2.5), math.exp(-4.0)
    r = rows["t3"]
    assert r["output"] == "fraud_report"
    assert math.isclose(r["probs"]["fraud_report"], a / (a + b), rel_tol=1e-12)
    assert math.isclose(r["probs"]["account"], b / (a + b), rel_tol=1e-12)
    assert r["probs"]["billing"] == r["probs"]["cancellation"] == 0.0
    assert math.isclose(r["probs_mass"], a + b, rel_tol=1e-12) and r["probs_mass"] < a + b + lost
    # t0: account, first token "acc"; " BI" -> billing
    assert rows["t0"]["probs"]["billing"] == rows["t3"]["probs"]["account"]
    assert not (tmp_path / "generated" / "teacher.jsonl").exists()


async def test_anthropic_side_gets_the_same_prompt(loopback, tmp_path):
    loopback.responder = lambda seen: Reply(content=" billing ")
    student = {
        "provider": "anthropic",
        "model": "claude-student",
        "base_url": loopback.anthropic_url,
        "api_key_env": "GJ_TEST_NO_KEY",
    }
    config = write_config(tmp_path, openai_side(loopback, "t"), student, params={"max_tokens": 16})
    result = await generate_async(config, limit=2)
    assert result.errors == 0 and result.sides["student"].rows == 2
    o, a = loopback.seen[0], loopback.seen[2]
    assert (o.protocol, a.protocol) == ("openai", "anthropic")
    assert (o.system, o.user) == (a.system, a.user)
    assert a.body["temperature"] == o.body["temperature"] == 0.0
    assert a.body["max_tokens"] == o.body["max_tokens"] == 16
    rows = rows_of(tmp_path / "generated" / "student.jsonl")
    assert [r["output"] for r in rows] == ["billing", "billing"] and "probs" not in rows[0]


def test_a_500_storm_marks_rows_exits_1_and_a_rerun_retries_only_those(tmp_path):
    def storm(seen):
        return Reply(status=500) if item(seen) in (1, 4) else Reply(content="account")

    thread = LoopbackThread(storm)
    try:
        _storm(thread.server, tmp_path)
    finally:
        thread.close()


def _storm(loopback, tmp_path):
    side = openai_side(loopback, "m", max_attempts=2, breaker_failures=0)
    config = write_config(tmp_path, side, side, params={"max_tokens": 16})
    runner = CliRunner()
    first = runner.invoke(app, ["generate", str(config), "--side", "student", "-q"])
    assert first.exit_code == 1, first.output
    assert "2 call(s) failed" in first.output
    rows = rows_of(tmp_path / "generated" / "student.jsonl")
    failed = [r for r in rows if "error" in r]
    assert [r["id"] for r in failed] == ["t1", "t4"] and all(r["output"] is None for r in failed)
    assert "ServerError" in failed[0]["error"]
    assert len(loopback.seen) == 4 + 2 * 2  # 4 answered, 2 failed twice

    before = len(loopback.seen)
    loopback.responder = lambda seen: Reply(content="account")
    second = runner.invoke(app, ["generate", str(config), "--side", "student", "-q"])
    assert second.exit_code == 0, second.output
    assert sorted(item(s) for s in loopback.seen[before:]) == [1, 4]
    assert "calls 2 · errors 0 · resumed 4" in second.output
    assert all("error" not in r for r in rows_of(tmp_path / "generated" / "student.jsonl"))
