#!/usr/bin/env python3
"""Judge throughput benchmark: genjudge's Judge against a bare openai-SDK loop, same run.

Starts ``../shared/bench/mock_llm.py`` on 127.0.0.1 (200 ms per answer, no CPU burnt), writes the
500-item workload with ``make_workload.py`` into a temporary folder, and times N judge calls at a
given concurrency, caches off. Then again with 20% 429 (Retry-After 1 s) and 5% 500. Prints wall
time, the floor ceil(N / concurrency) x latency, their ratio, client CPU seconds per 1,000 calls,
what the server saw, and how every item ended (nothing may be lost).

    python scripts/bench_judge.py [--repeat 3] [--concurrency 50] [--items 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# ../shared/bench beside the checkout; $GENJUDGE_BENCH_DIR for a checkout elsewhere (a worktree).
BENCH = Path(os.environ.get("GENJUDGE_BENCH_DIR") or REPO.parent / "shared" / "bench")
sys.path.insert(0, str(REPO))

# A 1-10 scale: the mock answers a prompt that asks for a JSON score and a reason with 5..10.
BENCH_RUBRIC = """
id = "bench_summary_quality"
version = "1"
kind = "score"
fields = ["source", "reference", "output"]
verdict_key = "score"
reason_key = "reason"
instructions = "Rate how well the output summarises the source, using the reference as a guide."
[scale]
min = 1
max = 10
[schema]
type = "object"
required = ["reason", "score"]
additionalProperties = false
[schema.properties.reason]
type = "string"
[schema.properties.score]
type = "integer"
minimum = 1
maximum = 10
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin(port: int, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method="POST" if data is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def start_server(port: int, latency: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "mock_llm.py"), "--port", str(port), "--latency", str(latency)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            admin(port, "/admin/stats")
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("mock_llm.py did not start")


def workload(tmp: Path, n: int) -> list[dict]:
    shutil.copy(BENCH / "make_workload.py", tmp / "make_workload.py")
    subprocess.run(
        [sys.executable, str(tmp / "make_workload.py"), str(n)], check=True, stdout=subprocess.DEVNULL
    )
    return [json.loads(line) for line in (tmp / "workload" / "items.jsonl").read_text().splitlines()]


async def run_genjudge(
    port: int, items: list[dict], concurrency: int, rubric_path: Path
) -> tuple[dict, list]:
    from genjudge.judge import Judge, JudgeSettings, load_rubric

    rubric = load_rubric(rubric_path)
    settings = JudgeSettings(
        provider="openai",
        model="mock-judge",
        base_url=f"http://127.0.0.1:{port}/v1",
        api_key_env="GENJUDGE_BENCH_NO_KEY",
        concurrency=concurrency,
        timeout_s=30,
        max_attempts=10,
        cache_path=None,
    )
    judge_items = [
        {"source": it["input"], "reference": it["reference"], "output": it["output"]} for it in items
    ]
    async with Judge(settings) as judge:
        verdicts = await judge.grade(rubric, judge_items)
        meter = judge.meter
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.status.value] = counts.get(v.status.value, 0) + 1
    return {"counts": counts, "retries": meter.retries, "calls": meter.calls}, verdicts


async def run_bare_sdk(port: int, items: list[dict], concurrency: int, max_retries: int) -> tuple[dict, list]:
    """The README's baseline: AsyncOpenAI with its defaults, asyncio.gather + a semaphore."""
    import openai

    client = openai.AsyncOpenAI(api_key="x", base_url=f"http://127.0.0.1:{port}/v1", max_retries=max_retries)
    sem = asyncio.Semaphore(concurrency)
    counts = {"ok": 0, "error": 0}

    async def one(it: dict) -> None:
        async with sem:
            try:
                r = await client.chat.completions.create(
                    model="mock-judge",
                    temperature=0,
                    messages=[
                        {
                            "role": "system",
                            "content": "Rate the summary from 1 to 10. Answer in JSON with score and reason.",
                        },
                        {
                            "role": "user",
                            "content": f"SOURCE:\n{it['input']}\n\nREFERENCE:\n{it['reference']}\n\nOUTPUT:\n{it['output']}",
                        },
                    ],
                )
                json.loads(r.choices[0].message.content)
                counts["ok"] += 1
            except Exception:
                counts["error"] += 1

    await asyncio.gather(*(one(it) for it in items))
    await client.close()
    return {"counts": counts}, []


def timed(fn, *args) -> tuple[float, float, dict]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    out, _ = asyncio.run(fn(*args))
    return time.perf_counter() - t0, time.process_time() - cpu0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--repeat", type=int, default=3, help="runs per configuration; the median is shown")
    a = ap.parse_args()
    if not (BENCH / "mock_llm.py").is_file():
        raise SystemExit(f"needs {BENCH}/mock_llm.py and make_workload.py")
    floor = math.ceil(a.items / a.concurrency) * a.latency
    port = free_port()
    server = start_server(port, a.latency)
    try:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            items = workload(tmp, a.items)
            rubric_path = tmp / "bench_summary_quality.toml"
            rubric_path.write_text(BENCH_RUBRIC)
            print(
                f"N = {a.items} judge calls, concurrency {a.concurrency}, server latency {a.latency:g} s, "
                f"floor = ceil(N / concurrency) x latency = {floor:.2f} s; median of {a.repeat} runs"
            )
            print(
                f"{'client':<44} {'wall s':>7} {'/floor':>7} {'CPU s/1k':>9} {'server saw':>11} {'429':>5} {'500':>5}"
                f" {'max in flight':>13}  outcome"
            )
            scenarios = [
                ("clean", {"p429": 0.0, "p500": 0.0}),
                ("faults: 20% 429 (Retry-After 1), 5% 500", {"p429": 0.2, "p500": 0.05}),
            ]
            for title, faults in scenarios:
                print(f"-- {title}")
                clients = [
                    ("genjudge Judge (openai provider)", run_genjudge, (items, a.concurrency, rubric_path)),
                    (
                        "bare openai SDK, asyncio + semaphore"
                        + (" (max_retries=9)" if faults["p429"] else ""),
                        run_bare_sdk,
                        (items, a.concurrency, 9 if faults["p429"] else 0),
                    ),
                ]
                for name, fn, args in clients:
                    # Warm-up (excluded): imports, the SDK's first-request setup, JSON-schema compile.
                    admin(port, "/admin/config", {"p429": 0.0, "p500": 0.0})
                    asyncio.run(fn(port, args[0][:50], *args[1:]))
                    rows = []
                    for _ in range(a.repeat):
                        admin(
                            port,
                            "/admin/config",
                            {"p429": faults["p429"], "p500": faults["p500"], "retry_after": 1},
                        )
                        wall, cpu, out = timed(fn, port, *args)
                        st = admin(port, "/admin/stats")
                        rows.append((wall, cpu, out, st))
                    rows.sort(key=lambda r: r[0])
                    wall, cpu, out, st = rows[len(rows) // 2]
                    cpu_k = statistics.median(r[1] for r in rows) / st["total"] * 1000
                    outcome = ", ".join(f"{k} {v}" for k, v in sorted(out["counts"].items()))
                    lost = a.items - out["counts"].get("ok", 0)
                    extra = f"; retries {out['retries']}" if "retries" in out else ""
                    print(
                        f"{name:<44} {wall:7.2f} {wall / floor:7.2f} {cpu_k:9.2f} {st['total']:11d} {st['s429']:5d} "
                        f"{st['s500']:5d} {st['max_inflight']:13d}  {outcome}{extra}; not ok: {lost}"
                    )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
