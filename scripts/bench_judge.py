#!/usr/bin/env python3
"""Judge throughput at the limit: the whole `genjudge run` process, the Judge in process, a bare
openai-SDK loop and a raw aiohttp loop, side by side in the same run.

Starts ``../shared/bench/mock_llm.py`` on 127.0.0.1 (200 ms per answer, no CPU burnt) and writes the
500-item workload with ``make_workload.py`` into a temporary folder, then prints, each against its
target (median of ``--repeat`` runs, after a warm-up that is not timed):

1. clean, concurrency 50 (floor ceil(N / c) x latency = 2.0 s): the whole process, a real
   ``python -m genjudge run <config>`` subprocess from its start to its exit, on a generation set
   whose only check is one judge rubric through the openai provider at the mock, a fresh judge
   cache and store each run; and the in-process eval window (``Judge.grade`` on the same items).
   Beside it, two whole processes that do the least a tool built on the openai SDK can do: a
   Python process that imports ``openai`` and exits, and one that sends the same 500 calls with the
   bare SDK loop and exits (its items read from a JSON file, nothing written).
   Target: whole process <= 1.3 x the floor.
2. clean, concurrency 500 (floor 0.2 s): the eval window, with the bare SDK and raw aiohttp on the
   same calls for reference. Target: eval window <= 1.5 x the floor.
3. 20% 429 (``Retry-After: 1``) + 5% 500 (the mock's ``p429`` / ``p500``), concurrency 50: the
   floor is the clean floor plus one Retry-After wait (a call answered 429 in the last wave is sent
   again one wait later), 3.0 s; the eval window and the whole process, and the items lost (not
   answered ok). Target: <= 1.5 x that floor with 0 lost. Printed beside it: what an ideal client
   (no CPU or network time, 429s retried exactly on time, 500s at once) would take on the very fault
   draws of the runs (``ideal_wall``): the mock draws each request's fault afresh, so an item's chain
   of k 429s costs k waits whatever the client does, and that floor is often above 1.5 x 3.0 s.

Every row also shows client CPU seconds per 1,000 requests the server saw, and the requests, 429s
and 500s the server saw. Timings depend on the machine: compare the rows of one run.

    python scripts/bench_judge.py [--repeat 3] [--items 500] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import deque
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


def ideal_wall(
    n: int, concurrency: int, latency: float, *, p429: float, p500: float, retry_after: float, seed: int
) -> float:
    """The eval window of an ideal client on the mock's own fault draws: no CPU, no network time,
    a 429 retried exactly ``retry_after`` later and a 500 at once, a retry served a slot before
    first attempts. It replays the mock's draws (``random.Random(seed).random()``, one per request
    in arrival order, a fault answered at once, an answer after ``latency``), taking the arrival
    order to be the order this client sends in; so it is the floor of the fault-mix row for these
    draws, which no client can beat (a chain of k 429s on one item costs k waits, whenever it starts).
    """
    if not 0.0 <= p429 + p500 < 1.0:
        raise ValueError(f"p429 + p500 must be in [0, 1), got {p429 + p500}")
    draws = random.Random(seed)
    events: list[tuple[float, int, str, int]] = []
    firsts, retries = deque(range(n)), deque()
    free, order, end = concurrency, 0, 0.0

    def fill(now: float) -> None:
        nonlocal free, order
        while free and (retries or firsts):
            item = retries.popleft() if retries else firsts.popleft()
            free -= 1
            r = draws.random()
            kind = "429" if r < p429 else "500" if r < p429 + p500 else "ok"
            heapq.heappush(events, (now + (latency if kind == "ok" else 0.0), order, kind, item))
            order += 1

    fill(0.0)
    while events:
        now, _, kind, item = heapq.heappop(events)
        if kind == "due":
            retries.append(item)
        else:
            free += 1
            if kind == "ok":
                end = now
            else:
                heapq.heappush(events, (now + (retry_after if kind == "429" else 0.0), order, "due", item))
                order += 1
        fill(now)
    return end


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
    most = max((v.attempts for v in verdicts), default=0)
    return {"counts": counts, "retries": meter.retries, "calls": meter.calls, "most_attempts": most}, verdicts


def _messages(it: dict) -> list[dict]:
    """The bare loops' prompt: the same texts the Judge sends, without its rubric template."""
    return [
        {"role": "system", "content": "Rate the summary from 1 to 10. Answer in JSON with score and reason."},
        {
            "role": "user",
            "content": f"SOURCE:\n{it['input']}\n\nREFERENCE:\n{it['reference']}\n\nOUTPUT:\n{it['output']}",
        },
    ]


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
                    model="mock-judge", temperature=0, messages=_messages(it)
                )
                json.loads(r.choices[0].message.content)
                counts["ok"] += 1
            except Exception:
                counts["error"] += 1

    await asyncio.gather(*(one(it) for it in items))
    await client.close()
    return {"counts": counts}, []


async def run_raw_aiohttp(port: int, items: list[dict], concurrency: int) -> tuple[dict, list]:
    """The least a client can do: one aiohttp session, a connector capped at ``concurrency``, no
    retries, no typed objects; the JSON answer and its content parsed."""
    import aiohttp

    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    headers = {"Authorization": "Bearer x", "Content-Type": "application/json"}
    counts = {"ok": 0, "error": 0}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(it: dict) -> None:
            body = json.dumps({"model": "mock-judge", "temperature": 0, "messages": _messages(it)})
            try:
                async with session.post(url, data=body, headers=headers) as r:
                    answer = json.loads(await r.read())
                    if r.status != 200:
                        raise RuntimeError(r.status)
                json.loads(answer["choices"][0]["message"]["content"])
                counts["ok"] += 1
            except Exception:
                counts["error"] += 1

        await asyncio.gather(*(one(it) for it in items))
    return {"counts": counts}, []


def write_run_setup(folder: Path, items: list[dict], port: int, concurrency: int, rubric_path: Path) -> Path:
    """A frozen generation set, the student's and teacher's outputs, and a run config whose only
    check is the bench rubric on the student, judged through the openai provider at the mock."""
    from genjudge.io.evalset import freeze

    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"id": it["id"], "input": it["input"], "reference": it["reference"]} for it in items]
    (folder / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    freeze(folder / "set.jsonl")
    for side, key in (("student", "output"), ("teacher", "reference")):
        lines = (json.dumps({"id": it["id"], "output": it[key]}) + "\n" for it in items)
        (folder / f"{side}.jsonl").write_text("".join(lines))
    config = {
        "name": "bench-judge",
        "task": "generation",
        "set": "set.jsonl",
        "teacher": "teacher.jsonl",
        "student": "student.jsonl",
        "checks": {"judge_rubric": {"rubrics": [str(rubric_path)], "sides": ["student"]}},
        "judge": {
            "provider": "openai",
            "model": "mock-judge",
            "base_url": f"http://127.0.0.1:{port}/v1",
            "api_key_env": "GENJUDGE_BENCH_NO_KEY",
            "concurrency": concurrency,
            "timeout_s": 30,
            "max_attempts": 10,
        },
    }
    path = folder / f"run-c{concurrency}.yaml"
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


def run_process(config: Path, run: str) -> tuple[float, float, dict]:
    """``python -m genjudge run CONFIG`` with a fresh judge cache and store: wall seconds from the
    start of the process to its exit, its CPU seconds, and how its items ended (report.json)."""
    folder = config.parent / run
    cache = config.parent / ".genjudge"
    shutil.rmtree(cache, ignore_errors=True)  # the judge cache sits beside the config: fresh each run
    cmd = [sys.executable, "-m", "genjudge", "run", str(config), "--quiet"]
    cmd += ["--store", str(folder / "store.db"), "--out", str(folder / "report")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    before = os.times()
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if done.returncode != 0:
        raise SystemExit(f"genjudge run exited {done.returncode}:\n{done.stderr[-2000:]}")
    counts = json.loads((folder / "report" / "report.json").read_text())["counts"]
    return wall, cpu, {"counts": {k: counts[k] for k in ("ok", "unscored", "error")}}


def run_child(*args: str) -> tuple[float, float, dict]:
    """This script as a child process (``--child ...``): wall seconds from its start to its exit, its
    CPU seconds, and the counts it prints as its last line."""
    before = os.times()
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if done.returncode != 0:
        raise SystemExit(f"child {args} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return wall, cpu, json.loads(done.stdout.strip().splitlines()[-1])


def child(args: list[str]) -> None:
    """``import-openai``: import the SDK and exit; ``sdk PORT ITEMS C``: the bare SDK loop on the items
    of the JSON file ITEMS at concurrency C, its counts printed."""
    if args[0] == "import-openai":
        import openai  # noqa: F401

        print(json.dumps({"counts": {}, "no_calls": True}))
        return
    port, items, concurrency = int(args[1]), json.loads(Path(args[2]).read_text()), int(args[3])
    out, _ = asyncio.run(run_bare_sdk(port, items, concurrency, 0))
    print(json.dumps(out))


def timed(fn, *args) -> tuple[float, float, dict]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    out, _ = asyncio.run(fn(*args))
    return time.perf_counter() - t0, time.process_time() - cpu0, out


class Table:
    """Rows of one scenario: each the median of ``repeat`` runs, printed as they finish."""

    def __init__(self, port: int, items: int, floor: float, repeat: int, faults: dict) -> None:
        self.port, self.items, self.floor, self.repeat, self.faults = port, items, floor, repeat, faults
        self.walls: dict[str, float] = {}
        self.lost: dict[str, int] = {}
        print(
            f"  {'measure':<50} {'wall s':>7} {'/floor':>7} {'CPU s/1k':>9} {'server saw':>10} {'429':>4} "
            f"{'500':>4}  outcome"
        )

    def row(self, key: str, name: str, measure) -> None:  # measure() -> (wall, cpu, out)
        runs = []
        for i in range(self.repeat):
            # Also resets the counts. The i-th run of every row draws the same faults (seed 1234 + i).
            admin(self.port, "/admin/config", {**self.faults, "retry_after": 1, "seed": 1234 + i})
            wall, cpu, out = measure()
            runs.append((wall, cpu, out, admin(self.port, "/admin/stats")))
        runs.sort(key=lambda r: r[0])
        wall, _, out, st = runs[len(runs) // 2]
        cpu = statistics.median(r[1] for r in runs)
        calls = not out.get("no_calls")  # a row that makes no call: the import alone
        cpu_k = f"{cpu / max(st['total'], 1) * 1000:9.2f}" if calls else f"{cpu:7.2f} s"
        lost = max(self.items - r[2]["counts"].get("ok", 0) for r in runs) if calls else 0
        self.walls[key], self.lost[key] = wall, lost
        outcome = ", ".join(f"{k} {v}" for k, v in sorted(out["counts"].items())) or "no calls"
        if out.get("retries"):
            outcome += f"; retries {out['retries']}, most attempts of one item {out['most_attempts']}"
        print(
            f"  {name:<50} {wall:7.2f} {wall / self.floor:7.2f} {cpu_k} {st['total']:10d} {st['s429']:4d} "
            f"{st['s500']:4d}  {outcome}" + (f"; lost (worst run): {lost}" if calls else ""),
            flush=True,
        )

    def target(self, key: str, what: str, ratio: float, *, lost: bool = False) -> None:
        wall, limit = self.walls[key], ratio * self.floor
        met = wall <= limit and (not lost or self.lost[key] == 0)
        extra = f" with 0 lost (lost {self.lost[key]})" if lost else ""
        print(
            f"  target: {what} <= {ratio:g} x floor = {limit:.2f} s{extra}: measured {wall:.2f} s "
            f"({wall / self.floor:.2f} x) -> {'met' if met else 'NOT met'}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--repeat", type=int, default=3, help="runs per row; the median is shown")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child)
        return
    if not (BENCH / "mock_llm.py").is_file():
        raise SystemExit(f"needs {BENCH}/mock_llm.py and make_workload.py (set $GENJUDGE_BENCH_DIR)")
    port = free_port()
    server = start_server(port, a.latency)
    clean = {"p429": 0.0, "p500": 0.0}
    faults = {"p429": 0.2, "p500": 0.05}
    try:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            items = workload(tmp, a.items)
            rubric_path = tmp / "bench_summary_quality.toml"
            rubric_path.write_text(BENCH_RUBRIC)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(
                f"N = {a.items} judge calls, server latency {a.latency:g} s, caches off (a fresh cache per "
                f"process); median of {a.repeat} runs; {os.cpu_count()} CPUs, load average {load}"
            )
            warm = items[:50]
            for fn, args in (
                (run_genjudge, (50, rubric_path)),
                (run_bare_sdk, (50, 0)),
                (run_raw_aiohttp, (50,)),
            ):  # warm-up (not timed): imports, first connections, JSON-schema compile
                admin(port, "/admin/config", clean)
                asyncio.run(fn(port, warm, *args))
            sdk = "bare openai SDK, asyncio + semaphore"

            # (1) clean, c = 50: the whole process and the eval window
            c = 50
            floor = math.ceil(a.items / c) * a.latency
            config = write_run_setup(tmp / "run", items, port, c, rubric_path)
            admin(port, "/admin/config", clean)
            run_process(config, "warm")  # not timed: the files it imports come into the page cache
            print(f"(1) clean, concurrency {c}: floor = ceil(N / c) x latency = {floor:.2f} s")
            t = Table(port, a.items, floor, a.repeat, clean)
            counter = iter(range(10**6))
            t.row(
                "process",
                "`genjudge run` whole process (start to exit)",
                lambda: run_process(config, f"p{next(counter)}"),
            )
            t.row(
                "judge",
                "genjudge Judge eval window (in process)",
                lambda: timed(run_genjudge, port, items, c, rubric_path),
            )
            t.row("sdk", sdk, lambda: timed(run_bare_sdk, port, items, c, 0))
            t.row("aiohttp", "raw aiohttp loop", lambda: timed(run_raw_aiohttp, port, items, c))
            items_file = tmp / "items.json"
            items_file.write_text(json.dumps(items))
            t.row(
                "sdk_process",
                sdk + ", whole process",
                lambda: run_child("sdk", str(port), str(items_file), str(c)),
            )
            t.row("import", "`python -c 'import openai'` whole process", lambda: run_child("import-openai"))
            t.target("process", "whole process", 1.3)

            # (2) clean, c = 500: the eval window
            c = 500
            floor = math.ceil(a.items / c) * a.latency
            print(f"(2) clean, concurrency {c}: floor = {floor:.2f} s")
            t = Table(port, a.items, floor, a.repeat, clean)
            t.row(
                "judge",
                "genjudge Judge eval window (in process)",
                lambda: timed(run_genjudge, port, items, c, rubric_path),
            )
            t.row("sdk", sdk, lambda: timed(run_bare_sdk, port, items, c, 0))
            t.row("aiohttp", "raw aiohttp loop", lambda: timed(run_raw_aiohttp, port, items, c))
            t.target("judge", "eval window", 1.5)

            # (3) the fault mix, c = 50
            c = 50
            floor = math.ceil(a.items / c) * a.latency + 1.0
            print(
                f"(3) 20% 429 (Retry-After 1 s) + 5% 500, concurrency {c}: floor = clean floor + one "
                f"Retry-After wait = {floor - 1.0:.2f} + 1.00 = {floor:.2f} s"
            )
            print(
                "  (the mock draws each request's fault afresh: an item answered 429 k times in a row waits k "
                "Retry-After periods, so a run's longest chain can put it above this floor whatever the client)"
            )
            ideal = statistics.median(
                ideal_wall(a.items, c, a.latency, **faults, retry_after=1.0, seed=1234 + i)
                for i in range(a.repeat)
            )
            print(
                f"  an ideal client (no CPU, no network time) on the same fault draws: {ideal:.2f} s "
                f"({ideal / floor:.2f} x floor), median of the {a.repeat} runs' draws"
            )
            t = Table(port, a.items, floor, a.repeat, faults)
            t.row(
                "judge",
                "genjudge Judge eval window (in process)",
                lambda: timed(run_genjudge, port, items, c, rubric_path),
            )
            t.row(
                "process",
                "`genjudge run` whole process (start to exit)",
                lambda: run_process(config, f"p{next(counter)}"),
            )
            t.row("sdk", sdk + " (max_retries=9)", lambda: timed(run_bare_sdk, port, items, c, 9))
            t.target("judge", "eval window", 1.5, lost=True)
            t.target("process", "whole process", 1.5, lost=True)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
