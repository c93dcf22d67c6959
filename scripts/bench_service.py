#!/usr/bin/env python3
"""Load test of the HTTP service: ``POST /v1/score`` from 50 concurrent clients, on loopback.

Starts ``../shared/bench/mock_llm.py`` on 127.0.0.1 as the judge (a fixed latency per answer, no
CPU burnt; a request with a JSON schema gets a valid verdict) and ``genjudge serve`` on a free port
(a fresh store and token in a temporary folder, no rate limit, no job workers). Each client posts
batches of items (every text unique, so the judge cache answers nothing) scored by exact match and
judged equivalence (both orders: two judge calls per item), until the request count or the time
bound is reached. Prints requests per second, latency percentiles, and the errors: a request that
is not answered 200, or an item whose status is ``error``, is an error. An item the judge left
unscored (the mock's verdict depends on the prompt, so the two orders can disagree: position
inconsistency) is the judge's answer, counted apart.

    python scripts/bench_service.py [--clients 50] [--requests 1000] [--seconds 60] [--items 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from bench_judge import BENCH, admin, free_port, start_server  # noqa: E402


def mock_stats(port: int) -> dict:
    return dict(admin(port, "/admin/stats"))


def start_service(folder: Path) -> tuple[subprocess.Popen, str, str]:
    """``genjudge serve`` in ``folder``; returns (process, base URL, token)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "GJ_BENCH_KEY": "not-needed"}
    token_out = subprocess.run(
        [sys.executable, "-m", "genjudge", "serve", "token", "add", "bench", "--tokens", "tokens.json"],
        cwd=folder, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    token = token_out.stdout.strip()
    args = ["--port", "0", "--store", "store.db", "--tokens", "tokens.json", "--rate", "0", "--workers", "0"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "genjudge", "serve", *args, "--key-env", "GJ_BENCH_KEY"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if m := re.search(r"genjudge service on (http://\S+)", line):
            return proc, m.group(1), token
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit("genjudge serve did not start")


def batch(client: int, n: int, items: int, judge_url: str) -> dict:
    tag = f"c{client}-r{n}"
    return {
        "task": "generation",
        "checks": ["exact_match", "judge_equivalence"],
        "judge": {
            "provider": "openai",
            "model": "gpt-4o-mini",
            "base_url": judge_url,
            "api_key_env": "GJ_BENCH_KEY",
            "concurrency": 256,
        },
        "items": [
            {
                "id": f"{tag}-{i}",
                "input": f"Summarise ticket {tag}-{i}: the printer on floor {i} jams on duplex jobs.",
                "teacher": f"The floor {i} printer jams when printing double-sided ({tag}).",
                "student": f"Duplex printing jams the printer on floor {i} ({tag}).",
                "reference": f"Floor {i} printer jams on duplex ({tag}).",
            }
            for i in range(items)
        ],
    }


async def load(
    url: str, token: str, judge_url: str, a: argparse.Namespace
) -> tuple[list[float], list[str], float, dict[str, int]]:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    statuses = {"ok": 0, "unscored": 0, "error": 0}
    sent = 0
    stop_at = time.monotonic() + a.seconds
    limits = httpx.Limits(max_connections=a.clients, max_keepalive_connections=a.clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120, limits=limits) as http:

        async def client(c: int) -> None:
            nonlocal sent
            n = 0
            while sent < a.requests and time.monotonic() < stop_at:
                sent += 1
                n += 1
                body = batch(c, n, a.items, judge_url)
                t0 = time.perf_counter()
                try:
                    r = await http.post("/v1/score", json=body)
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors.append(f"HTTP {r.status_code}: {r.text[:200]}")
                    continue
                for item in r.json()["items"]:
                    statuses[item["status"]] += 1
                    if item["status"] == "error":
                        errors.append(f"item {item['id']}: {item['reason']}")

        await http.get("/health")
        t0 = time.perf_counter()
        await asyncio.gather(*(client(c) for c in range(a.clients)))
        wall = time.perf_counter() - t0
    return latencies, errors, wall, statuses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=1000, help="at most this many requests in all")
    ap.add_argument("--seconds", type=float, default=60.0, help="stop sending after this long")
    ap.add_argument("--items", type=int, default=4, help="items per request (two judge calls each)")
    ap.add_argument("--latency", type=float, default=0.05, help="the mock judge's seconds per answer")
    ap.add_argument("--warmup", type=int, default=20, help="requests sent (and not counted) first")
    a = ap.parse_args()
    if not (BENCH / "mock_llm.py").is_file():
        raise SystemExit(f"needs {BENCH}/mock_llm.py (set GENJUDGE_BENCH_DIR)")
    mock_port = free_port()
    mock = start_server(mock_port, a.latency)
    judge_url = f"http://127.0.0.1:{mock_port}/v1"
    try:
        with tempfile.TemporaryDirectory() as d:
            service, url, token = start_service(Path(d))
            try:
                warm = argparse.Namespace(
                    **{**vars(a), "requests": a.warmup, "clients": min(a.clients, a.warmup)}
                )
                asyncio.run(load(url, token, judge_url, warm))
                before = mock_stats(mock_port)
                latencies, errors, wall, statuses = asyncio.run(load(url, token, judge_url, a))
                after = mock_stats(mock_port)
            finally:
                service.terminate()
                service.wait(60)
    finally:
        mock.terminate()
        mock.wait(10)
    lat = np.array(latencies) * 1000
    calls = after["total"] - before["total"]
    print(
        f"{len(latencies)} requests x {a.items} items from {a.clients} concurrent clients in {wall:.1f} s; "
        f"mock judge latency {a.latency * 1000:.0f} ms, {calls} judge calls"
    )
    print(
        f"throughput: {len(latencies) / wall:.1f} requests/s ({len(latencies) * a.items / wall:.0f} items/s)"
    )
    print(
        f"latency ms: p50 {np.percentile(lat, 50):.0f}  p95 {np.percentile(lat, 95):.0f}  "
        f"p99 {np.percentile(lat, 99):.0f}  max {lat.max():.0f}"
    )
    print(
        f"items: {statuses['ok']} ok, {statuses['unscored']} unscored by the judge's verdicts, {statuses['error']} errored"
    )
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
