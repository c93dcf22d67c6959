#!/usr/bin/env python3
"""Generate benchmark: wall time against the floor, and a SIGKILL mid-run with its resume.

Starts ``../shared/bench/mock_llm.py`` on a free 127.0.0.1 port (200 ms per answer, no CPU burnt),
writes and freezes an N-row set (default 500) in a temporary folder, and generates one side
(provider ``openai``, base_url the mock) at concurrency c (default 50):

1. in process (``genjudge.generation.generate``; median of ``--repeat`` runs after a warm-up), and
   the whole ``genjudge generate`` command as a subprocess (imports included), each over the floor
   ceil(N / c) x latency;
2. a ``genjudge generate`` subprocess killed with SIGKILL once about half the rows are journaled,
   then the same command again: the server's request count before the kill and after the resume,
   the journaled rows, and whether every missing call was made exactly once and no finished one
   again (the resume's requests are all distinct, and as many as the rows that were missing).

    python scripts/bench_generate.py [--items 500] [--concurrency 50] [--latency 0.2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_judge import BENCH, admin, free_port, run_bare_sdk, start_server  # noqa: E402


def write_setup(tmp: Path, n: int, port: int, concurrency: int) -> Path:
    """An n-row frozen set and a generate config whose student is the mock; returns the config."""
    from genjudge.io.evalset import freeze

    rows = [
        {"id": f"q{i:05d}", "input": f"Summarise ticket {i}: the customer asks about order {i * 7}."}
        for i in range(n)
    ]
    (tmp / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    freeze(tmp / "set.jsonl")
    side = {
        "provider": "openai",
        "model": "mock-judge",
        "base_url": f"http://127.0.0.1:{port}/v1",
        "api_key_env": "GENJUDGE_BENCH_NO_KEY",
        "timeout_s": 30,
    }
    config = {
        "set": "set.jsonl",
        "out": "generated",
        "prompt": {"system": "Answer in one sentence.", "user": "{{ input }}"},
        "params": {"temperature": 0.0, "max_tokens": 64},
        "concurrency": concurrency,
        "teacher": side,
        "student": side,
    }
    path = tmp / "gen.json"  # JSON is YAML
    path.write_text(json.dumps(config))
    return path


def with_out(config: Path, out: str) -> Path:
    data = json.loads(config.read_text())
    path = config.with_name(f"gen-{out}.json")
    path.write_text(json.dumps({**data, "out": out}))
    return path


def journaled(folder: Path, out: str) -> int:
    db = folder / out / ".genjudge" / "generate.db"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(str(db), timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0])
    except sqlite3.Error:
        return 0


def command(config: Path) -> list[str]:
    return [sys.executable, "-m", "genjudge", "generate", str(config), "--side", "student", "--quiet"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--repeat", type=int, default=3, help="in-process runs; the median is shown")
    a = ap.parse_args()
    if not (BENCH / "mock_llm.py").is_file():
        raise SystemExit(f"needs {BENCH}/mock_llm.py (set $GENJUDGE_BENCH_DIR)")
    from genjudge.generation import generate

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    floor = math.ceil(a.items / a.concurrency) * a.latency
    port = free_port()
    server = start_server(port, a.latency)
    try:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            config = write_setup(tmp, a.items, port, a.concurrency)
            print(
                f"N = {a.items} calls, concurrency {a.concurrency}, server latency {a.latency:g} s, "
                f"floor = ceil(N / c) x latency = {floor:.2f} s"
            )
            generate(with_out(config, "warm"), sides=["student"], limit=50)  # imports, first connections
            runs = []
            for i in range(a.repeat):
                admin(port, "/admin/reset", {})
                cpu0, t0 = time.process_time(), time.perf_counter()
                result = generate(with_out(config, f"run{i}"), sides=["student"])
                runs.append((time.perf_counter() - t0, time.process_time() - cpu0))
                side = result.sides["student"]
                assert side.calls == a.items and side.errors == 0, side
            wall, cpu = sorted(runs)[len(runs) // 2]
            # The same calls from a bare openai SDK loop (asyncio + semaphore): what the machine allows.
            bare = []
            items = [{"input": f"ticket {i}", "reference": "", "output": ""} for i in range(a.items)]
            asyncio.run(run_bare_sdk(port, items[:50], a.concurrency, 0))
            for _ in range(a.repeat):
                cpu0, t0 = time.process_time(), time.perf_counter()
                asyncio.run(run_bare_sdk(port, items, a.concurrency, 0))
                bare.append((time.perf_counter() - t0, time.process_time() - cpu0))
            bare_wall, bare_cpu = sorted(bare)[len(bare) // 2]
            admin(port, "/admin/reset", {})
            t0 = time.perf_counter()
            subprocess.run(command(with_out(config, "cli")), check=True, env=env, stdout=subprocess.DEVNULL)
            cli_wall = time.perf_counter() - t0
            print(f"{'measure':<52} {'wall s':>7} {'/floor':>7} {'CPU s/1k':>9}")
            rows = [
                (f"generate() in process (median of {a.repeat})", wall, f"{cpu / a.items * 1000:9.2f}"),
                ("`genjudge generate` process (imports included)", cli_wall, f"{'':>9}"),
                (
                    f"bare openai SDK loop, same calls (median of {a.repeat})",
                    bare_wall,
                    f"{bare_cpu / a.items * 1000:9.2f}",
                ),
            ]
            for name, seconds, cpu_k in rows:
                print(f"{name:<52} {seconds:7.2f} {seconds / floor:7.2f} {cpu_k}")

            killed = with_out(config, "killed")
            admin(port, "/admin/reset", {})
            proc = subprocess.Popen(command(killed), env=env, stdout=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while journaled(tmp, "killed") < a.items // 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            before = admin(port, "/admin/stats")["total"]
            rows = journaled(tmp, "killed")
            admin(port, "/admin/reset", {})
            subprocess.run(command(killed), check=True, env=env, stdout=subprocess.DEVNULL)
            resumed = admin(port, "/admin/stats")
            sidecar = json.loads((tmp / "killed" / "student.jsonl.generation.json").read_text())
            out_rows = (tmp / "killed" / "student.jsonl").read_text().splitlines()
            once = (
                resumed["total"] == resumed["distinct_prompts"] == a.items - rows
                and sidecar["cached"] == rows
                and sidecar["calls"] == a.items - rows
                and sidecar["errors"] == 0
                and len(out_rows) == a.items
            )
            print("-- SIGKILL mid-run, then the same command again")
            print(f"server requests before the kill:      {before}")
            print(f"rows journaled at the kill:           {rows}")
            print(
                f"requests made by the resume:          {resumed['total']} ({resumed['distinct_prompts']} distinct)"
            )
            print(f"server requests at the end (total):   {before + resumed['total']}")
            print(f"rows written:                         {len(out_rows)}")
            print(f"missing calls made exactly once:      {'yes' if once else 'no'}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
