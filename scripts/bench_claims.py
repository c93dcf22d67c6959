"""Claim verification: what the shared prompt prefix saves, and what claim-level judging costs.

``--local``: the claims of the first ``--items`` summaries of ``examples/summaries`` (the student's
claims against the teacher's output, the teacher's against the student's), verified by the embedded
local model twice, cache off: with llama.cpp's prompt cache (the slot keeps the evaluated prefix,
the default) and without it (``cache_prompt: false``). Prints seconds per claim, prompt tokens
evaluated against reused, and whether the verdicts are the same.

``--loopback``: the whole example through the ``judge_claims`` check and the ``judge_equivalence``
check against a loopback server on 127.0.0.1 speaking the OpenAI wire format (answers instantly:
"yes" with log-probabilities, or an "equivalent" verdict). Prints calls and prompt / output tokens
per item, and how many prompt tokens repeat the previous prompt's prefix (what a server with
prefix caching, or the local model's slot, does not evaluate again).

    python scripts/bench_claims.py --loopback
    python scripts/bench_claims.py --local --items 3 --threads 1
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from claims_summaries import frame  # noqa: E402


async def local(items: int, threads: int) -> None:
    from genjudge.judge import Judge, JudgeSettings
    from genjudge.judge.claims import split_claims
    from genjudge.judge.judge import build_provider

    df = frame().head(items)
    pairs = []
    for _, row in df.iterrows():
        pairs += [(row["teacher"], c) for c in split_claims(row["student"])]
        pairs += [(row["student"], c) for c in split_claims(row["teacher"])]
    settings = JudgeSettings(provider="local", threads=threads, timeout_s=1800)
    results = {}
    for reuse in (True, False):
        provider: Any = build_provider(settings)
        provider.cache_prompt = reuse
        async with Judge(settings, provider=provider) as judge:
            await judge.verify_claims([("warm-up context.", "warm-up claim.")])  # loads the model
            t0 = time.perf_counter()
            out = await judge.verify_claims(pairs)
            wall = time.perf_counter() - t0
        prompt = sum(v.input_tokens or 0 for v in out)
        reused = sum(v.cached_tokens or 0 for v in out)
        results[reuse] = out
        print(
            f"prefix reuse {'on ' if reuse else 'off'}: {len(pairs)} claims in {wall:.1f} s = "
            f"{wall / len(pairs):.2f} s per claim; prompt tokens {prompt}, reused from the slot {reused}",
            flush=True,
        )
    a, b = results[True], results[False]
    same = sum(x.label == y.label for x, y in zip(a, b, strict=True))
    dp = max(abs((x.p_yes or 0) - (y.p_yes or 0)) for x, y in zip(a, b, strict=True))
    print(f"same verdicts: {same} of {len(a)}; largest |p(yes) difference| {dp:.4f}")


def _common(a: str, b: str) -> int:
    """Characters of ``b`` that repeat the start of ``a``."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def loopback() -> None:
    from aiohttp import web

    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        body = await request.json()
        text = "\n".join(m["content"] for m in body["messages"])
        seen.append(text)
        if body.get("logprobs") and body.get("max_tokens") == 2:
            top = [{"token": t, "logprob": lp} for t, lp in (("Yes", -0.1), ("No", -2.5), ("un", -3.0))]
            content, logprobs = "Yes", {"content": [{"token": "Yes", "logprob": -0.1, "top_logprobs": top}]}
        else:
            content, logprobs = json.dumps({"reason": "same facts", "verdict": "equivalent"}), None
        usage = {"prompt_tokens": len(text) // 4, "completion_tokens": max(1, len(content) // 4)}
        choice = {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
        choice["logprobs"] = logprobs
        return web.json_response(
            {"id": "x", "object": "chat.completion", "choices": [choice], "usage": usage}
        )

    async def run() -> None:
        from genjudge.checks import get
        from genjudge.checks.base import RunContext
        from genjudge.records import TaskKind

        app = web.Application()
        app.router.add_post("/v1/chat/completions", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        df = frame()
        os.environ.setdefault("GJ_BENCH_NO_KEY", "")
        for name, options in (
            ("judge_equivalence", {}),
            ("judge_claims", {}),
            ("judge_claims", {"against": ["teacher"]}),
        ):
            seen.clear()
            cls = get(name)
            settings = {
                "provider": "openai",
                "model": "bench",
                "base_url": f"http://127.0.0.1:{port}/v1",
                "api_key_env": "GJ_BENCH_NO_KEY",
                "concurrency": 1,
            }
            ctx = RunContext(
                task=TaskKind.GENERATION, seed=0, workdir=ROOT, services={"judge_settings": settings}
            )
            ctx.services["judge_settings"]["cache_path"] = None
            await cls(TaskKind.GENERATION, cls.Options(**options)).score(df, ctx)
            await ctx.services["judge"].aclose()
            chars = sum(len(s) for s in seen)
            shared = sum(_common(a, b) for a, b in itertools.pairwise(seen))
            n = len(df)
            label = f"{name} {options or ''}".strip()
            print(
                f"{label}: {len(seen) / n:.1f} calls per item, {chars / 4 / n:.0f} prompt tokens per item "
                f"(~chars/4), of which {shared / 4 / n:.0f} repeat the previous prompt's prefix "
                f"({shared / max(chars, 1):.0%})"
            )
        await runner.cleanup()

    asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--local", action="store_true")
    ap.add_argument("--loopback", action="store_true")
    ap.add_argument("--items", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if not (args.local or args.loopback):
        ap.error("give --local and/or --loopback")
    if args.loopback:
        loopback()
    if args.local:
        asyncio.run(local(args.items, args.threads))


if __name__ == "__main__":
    main()
