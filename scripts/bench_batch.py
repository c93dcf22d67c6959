#!/usr/bin/env python3
"""genjudge's own cost of a judge batch: N faithfulness calls sent as one batch, both providers.

The server is the test loopback (tests/llm/batch_loopback.py) in this process, answering every item
at once, so the figures are genjudge's part (building the JSONL or the request list, the upload,
polling, reading and parsing the results, caching) plus the loopback's, not a provider's queue.
Prints wall time, process CPU time (client and server), peak RSS, what the server saw and the cost
at the batch price.

    python scripts/bench_batch.py [--items 10000] [--provider openai|anthropic|both]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from genjudge.judge import Judge, JudgeSettings  # noqa: E402
from tests.llm.batch_loopback import BatchLoopback  # noqa: E402
from tests.llm.loopback import Reply  # noqa: E402

MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}


async def one(provider: str, n: int) -> str:
    server = await BatchLoopback(
        lambda seen: Reply(content=json.dumps({"reason": "fine", "score": 4}))
    ).start()
    try:
        items = [{"source": f"Source {i}. " + "word " * 50, "output": f"Output {i}."} for i in range(n)]
        with tempfile.TemporaryDirectory() as tmp:
            settings = JudgeSettings(
                provider=provider,
                model=MODELS[provider],
                base_url=server.base_url if provider == "openai" else server.anthropic_url,
                api_key_env="GJ_BENCH_NO_KEY",
                cache_path=Path(tmp) / "cache.sqlite",
                batch=True,
                batch_poll_s=0.1,
                batch_collect_s=0.2,
            )
            wall, cpu = time.perf_counter(), time.process_time()
            async with Judge(settings) as judge:
                out = await judge.grade("faithfulness", items)
                meter = judge.meter
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        scored = sum(v.value == 4.0 for v in out)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return (
            f"{provider}: {n} items, {scored} scored, {server.creations} batch, {len(server.seen)} sync calls; "
            f"wall {wall:.2f} s, process CPU {cpu:.2f} s (client + in-process loopback server); "
            f"peak RSS {rss:.0f} MiB; cost_usd {meter.cost_usd}"
        )
    finally:
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--provider", choices=["openai", "anthropic", "both"], default="both")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for name in ("httpx", "httpx2"):
        logging.getLogger(name).setLevel(logging.ERROR)
    for provider in ("openai", "anthropic") if args.provider == "both" else (args.provider,):
        print(asyncio.run(one(provider, args.items)), flush=True)


if __name__ == "__main__":
    main()
