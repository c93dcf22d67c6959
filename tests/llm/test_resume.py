"""A run killed at any point resumes and makes each missing call exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from genjudge.judge import Judge, JudgeSettings
from tests.llm.loopback import Reply

CHILD = r"""
import asyncio, sys
from genjudge.judge import Judge, JudgeSettings
items = [{"source": f"Source {i}.", "output": f"Output {i}."} for i in range(20)]
s = JudgeSettings(provider="openai", model="gpt-4o-mini", base_url=sys.argv[1], api_key_env="GJ_TEST_NO_KEY",
                  concurrency=4, timeout_s=60, cache_path=sys.argv[2])
async def main():
    async with Judge(s) as j:
        await j.grade("faithfulness", items)
asyncio.run(main())
"""


async def test_killed_run_resumes_with_each_missing_call_once(loopback, tmp_path):
    answered = []

    def responder(seen):
        i = int(seen.user.split("Source ")[1].split(".")[0])
        # The first 7 distinct items answer at once; the rest hang until the child is killed.
        if len({*answered, i}) <= 7 and i not in answered:
            answered.append(i)
            return Reply(content=json.dumps({"reason": "ok", "score": 4}))
        return Reply(content=json.dumps({"reason": "ok", "score": 4}), delay=30)

    loopback.responder = responder
    cache = tmp_path / "cache.sqlite"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        loopback.base_url,
        str(cache),
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    for _ in range(400):
        await asyncio.sleep(0.05)
        if len(answered) == 7 and len(loopback.seen) >= 11:  # 7 answered + 4 hanging in flight
            break
    from genjudge.llm.cache import CallCache

    for _ in range(200):  # wait until the child has committed the 7 answers it received
        if len(CallCache(cache)) == 7:
            break
        await asyncio.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    first_wave = len(loopback.seen)
    assert len(answered) == 7 and first_wave == 11

    loopback.responder = lambda seen: Reply(content=json.dumps({"reason": "ok", "score": 4}))
    items = [{"source": f"Source {i}.", "output": f"Output {i}."} for i in range(20)]
    s = JudgeSettings(
        provider="openai",
        model="gpt-4o-mini",
        base_url=loopback.base_url,
        api_key_env="GJ_TEST_NO_KEY",
        concurrency=4,
        cache_path=cache,
    )
    async with Judge(s) as judge:
        out = await judge.grade("faithfulness", items)
        meter = judge.meter
    assert len(out) == 20 and all(v.value == 4.0 for v in out)
    assert meter.cached == 7 and meter.calls == 13
    resumed = [s.user for s in loopback.seen[first_wave:]]
    assert len(resumed) == 13 == len(set(resumed))  # each missing call exactly once
    answered_prompts = {
        s.user
        for s in loopback.seen[:first_wave]
        if int(s.user.split("Source ")[1].split(".")[0]) in answered
    }
    assert not answered_prompts & set(resumed)
