"""``loadtest``: the throughput one side sustains within a latency budget.

At each concurrency level, ``requests`` calls (the set's rows cycled, rendered with the same prompt
and parameters as ``generate``; no journal, no cache) are sent through the same client layer with
that many in flight. A level reports its achieved rate (answered calls / the level's wall time)
and the P50 / P95 of the answered calls' latency (the provider's time, without the client's own
queueing). The test stops at the first level whose P95 exceeds the budget, or when the total time
passes ``max_seconds`` (a level cut short is not counted). The answer is the highest rate among
the levels that kept P95 within the budget with no failed call.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from genjudge.errors import ConfigError
from genjudge.generation.client import open_side
from genjudge.generation.config import GenerateConfig, load_generate_config
from genjudge.generation.requests import render_requests
from genjudge.generation.sidecar import write_atomic
from genjudge.io.evalset import load_frozen
from genjudge.llm.limiter import Limiter

__all__ = ["LoadLevel", "LoadtestResult", "loadtest", "loadtest_async"]


@dataclass(frozen=True)
class LoadLevel:
    """One concurrency level's measurements."""

    concurrency: int
    requests: int
    errors: int
    wall_s: float
    rate_per_s: float
    """Answered calls per second of the level's wall time."""
    p50_ms: float | None
    p95_ms: float | None
    """Latency percentiles of the answered calls (numpy's linear interpolation); None when none was."""


@dataclass(frozen=True)
class LoadtestResult:
    """Every level measured, the best one within the budget, and why the test stopped."""

    side: str
    budget_ms: float
    levels: list[LoadLevel]
    best: LoadLevel | None
    """The highest rate among levels with P95 <= budget and no error; None when no level qualifies."""
    stopped: str
    path: Path | None = None
    """Where the JSON was written (``<out>/loadtest-<side>.json``)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "budget_ms": self.budget_ms,
            "levels": [asdict(level) for level in self.levels],
            "best": None if self.best is None else asdict(self.best),
            "stopped": self.stopped,
        }


async def loadtest_async(
    config: GenerateConfig | Path | str | dict[str, Any],
    *,
    side: str = "student",
    budget_ms: float,
    levels: Sequence[int] = (1, 2, 4, 8, 16),
    requests: int = 40,
    max_seconds: float = 120.0,
    write: bool = True,
) -> LoadtestResult:
    """Measure ``side`` at each concurrency of ``levels`` (ascending); see the module docstring."""
    cfg = load_generate_config(config)
    if budget_ms <= 0 or requests < 1 or max_seconds <= 0:
        raise ConfigError("loadtest needs budget_ms > 0, requests >= 1 and max_seconds > 0")
    if not levels or any(c < 1 for c in levels):
        raise ConfigError(f"levels must be concurrency values >= 1, got {list(levels)}")
    levels = sorted(set(levels))
    if cfg.side(side).provider == "local":
        raise ConfigError(
            f"{side}: a local model runs one call at a time inside this process, so its rate cannot rise "
            "with concurrency and the wait for its turn would not count as latency; load-test the model "
            "behind a server (llama.cpp's llama-server, vLLM, Ollama: provider openai with base_url)"
        )
    evalset, _ = load_frozen(cfg.set)
    rows = [evalset.rows[i % len(evalset.rows)] for i in range(requests)]
    reqs = render_requests(cfg, evalset, rows)
    opened = await open_side(cfg, side, concurrency=max(levels))
    client = opened.client
    measured: list[LoadLevel] = []
    stopped = f"all {len(levels)} levels measured"
    deadline = time.monotonic() + max_seconds
    try:
        for c in levels:
            left = deadline - time.monotonic()
            if left <= 0:
                stopped = f"max_seconds ({max_seconds:g} s) reached before concurrency {c}"
                break
            client.limiter = Limiter(c, rpm=opened.settings.rpm, tpm=opened.settings.tpm)
            start = time.perf_counter()
            try:
                async with asyncio.timeout(left):
                    outs = await asyncio.gather(
                        *(client.call(r, extra={"loadtest": c, "n": i}) for i, r in enumerate(reqs))
                    )
            except TimeoutError:
                stopped = f"max_seconds ({max_seconds:g} s) reached during concurrency {c} (not counted)"
                break
            wall = time.perf_counter() - start
            ok = [o.meter.latency_ms for o in outs if o.response is not None]
            p50, p95 = np.percentile(ok, [50, 95]).tolist() if ok else (None, None)
            level = LoadLevel(
                concurrency=c,
                requests=len(outs),
                errors=len(outs) - len(ok),
                wall_s=round(wall, 4),
                rate_per_s=round(len(ok) / wall, 3),
                p50_ms=None if p50 is None else round(p50, 2),
                p95_ms=None if p95 is None else round(p95, 2),
            )
            measured.append(level)
            if level.p95_ms is None:
                stopped = f"every call failed at concurrency {c}"
                break
            if level.p95_ms > budget_ms:
                stopped = f"P95 {level.p95_ms:g} ms over the budget of {budget_ms:g} ms at concurrency {c}"
                break
    finally:
        await client.aclose()
    within = [lv for lv in measured if lv.p95_ms is not None and lv.p95_ms <= budget_ms and not lv.errors]
    best = max(within, key=lambda lv: lv.rate_per_s, default=None)
    result = LoadtestResult(side=side, budget_ms=budget_ms, levels=measured, best=best, stopped=stopped)
    if write:
        path = cfg.out / f"loadtest-{side}.json"
        write_atomic(path, json.dumps(result.to_json(), indent=1) + "\n")
        result = replace(result, path=path)
    return result


def loadtest(config: GenerateConfig | Path | str | dict[str, Any], **kw: Any) -> LoadtestResult:
    """Blocking edge over :func:`loadtest_async`."""
    return asyncio.run(loadtest_async(config, **kw))
