"""A generate killed with SIGKILL at any point resumes: each missing call once, none repeated."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from genjudge.generation import generate_async
from genjudge.llm.cache import CallCache
from tests.generate.conftest import make_set, openai_side, write_config
from tests.llm.loopback import Reply

PLAIN = {"postprocess": {"strip": True}, "params": {"max_tokens": 16}, "prompt": {"user": "{{ input }}"}}


def item(seen) -> int:
    return int(seen.user.split("Ticket ")[1].split(":")[0])


def answer(seen) -> Reply:
    return Reply(content=f"answer {item(seen)}")


def without_latency(path):
    return [
        {k: v for k, v in json.loads(line).items() if k != "latency_ms"}
        for line in path.read_text().splitlines()
    ]


async def test_killed_generate_resumes_with_each_missing_call_once(loopback, tmp_path):
    answered: list[int] = []

    def first_wave(seen):
        # The first 7 distinct items answer at once; the rest hang until the child is killed.
        if len({*answered, item(seen)}) <= 7 and item(seen) not in answered:
            answered.append(item(seen))
            return answer(seen)
        return Reply(content="late", delay=30)

    loopback.responder = first_wave
    make_set(tmp_path, n=20)
    side = openai_side(loopback, "student-model")
    config = write_config(tmp_path, side, side, **PLAIN)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "genjudge",
        "generate",
        str(config),
        "--side",
        "student",
        "--quiet",
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    journal = tmp_path / "generated" / ".genjudge" / "generate.db"
    for _ in range(400):  # 7 answered + 4 hanging in flight (concurrency 4)
        await asyncio.sleep(0.05)
        assert proc.returncode is None, "the child ended before it was killed"
        if len(answered) == 7 and len(loopback.seen) >= 11:
            break
    for _ in range(200):  # until the child has committed the 7 answers it received
        if journal.exists() and len(CallCache(journal)) == 7:
            break
        await asyncio.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    before = len(loopback.seen)
    assert len(answered) == 7 and before == 11
    assert not (tmp_path / "generated" / "student.jsonl").exists()  # written only at the end

    loopback.responder = answer
    result = await generate_async(config, sides=["student"])
    resumed = [item(s) for s in loopback.seen[before:]]
    assert sorted(resumed) == sorted(set(range(20)) - set(answered))  # each missing call exactly once
    side_result = result.sides["student"]
    assert (side_result.calls, side_result.cached, side_result.errors) == (13, 7, 0)

    # The same outputs as an uninterrupted run (latencies aside).
    (tmp_path / "clean").mkdir()
    make_set(tmp_path / "clean", n=20)
    clean = write_config(tmp_path / "clean", side, side, **PLAIN)
    await generate_async(clean, sides=["student"])
    resumed_rows = without_latency(tmp_path / "generated" / "student.jsonl")
    assert resumed_rows == without_latency(tmp_path / "clean" / "generated" / "student.jsonl")
    assert [r["output"] for r in resumed_rows] == [f"answer {i}" for i in range(20)]
