"""One side's model behind genjudge's client layer, opened the same way for teacher and student.

The provider comes from the registry (:mod:`genjudge.llm.registry`) and sits behind an
:class:`~genjudge.llm.client.LLMClient` with the side's limits and retries and *no* cache: the
generate journal keeps each answer with its measured latency, which a cache hit would lose. A local
model is loaded here, before the first call, so that its load time is not counted as the first
call's latency and the memory it takes can be measured.
"""

from __future__ import annotations

import asyncio
import resource
import sys
from dataclasses import dataclass
from typing import Any

from genjudge.generation.config import GenerateConfig, SideSettings
from genjudge.generation.sidecar import hardware
from genjudge.llm.client import LLMClient

__all__ = ["OpenedSide", "open_side"]


@dataclass
class OpenedSide:
    """A side ready to call, with what the sidecar records about its model."""

    name: str
    settings: SideSettings
    """The side's settings with the shared concurrency in force."""
    client: LLMClient
    concurrency: int
    """Calls in flight at once: the config's, or 1 for a local model (it runs one at a time)."""
    hardware: dict[str, Any]
    model_size_bytes: int | None
    memory_bytes: int | None
    memory_source: str


def _rss_bytes() -> tuple[int, str]:
    """This process's resident memory now (Linux: ``/proc/self/statm``), else its peak RSS.

    The current figure is what measures a second model loaded after a first (the teacher, then the
    student, in one process): a peak would not rise for a model smaller than the first.
    """
    try:
        with open("/proc/self/statm") as fh:
            resident = int(fh.read().split()[1])
        return resident * resource.getpagesize(), "resident memory (RSS)"
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024), "peak RSS"  # Linux reports KiB


async def open_side(config: GenerateConfig, name: str, *, concurrency: int | None = None) -> OpenedSide:
    """Build side ``name``'s provider and client (``concurrency`` overrides the config's: loadtest)."""
    from genjudge.judge.judge import build_provider
    from genjudge.llm.limiter import Limiter
    from genjudge.llm.prices import PriceTable

    wanted = concurrency or config.concurrency
    s = config.side(name).model_copy(update={"concurrency": wanted})
    provider = await asyncio.to_thread(build_provider, s)
    local = provider.name == "local"
    effective = 1 if local else wanted
    size, memory, source = s.model_size_bytes, s.memory_bytes, "configured" if s.memory_bytes else "unknown"
    if local:
        from genjudge.llm.providers.local import LocalProvider, load_server

        if isinstance(provider, LocalProvider):
            size = provider.model_path.stat().st_size
            before, what = _rss_bytes()
            await asyncio.to_thread(
                load_server, provider.model_path, threads=provider.threads, n_ctx=provider.n_ctx
            )
            memory = max(0, _rss_bytes()[0] - before)
            source = f"measured: increase of this process's {what} while loading the model"
            if memory == 0:
                source += " (0: the model was already loaded in this process)"
    client = LLMClient(
        provider,
        limiter=Limiter(effective, rpm=s.rpm, tpm=s.tpm),
        timeout_s=s.attempt_timeout_s,
        max_attempts=s.max_attempts,
        cache=None,
        prices=PriceTable.load(s.prices_path),
        backoff_initial_s=s.backoff_initial_s,
        backoff_max_s=s.backoff_max_s,
        max_retry_after_s=s.max_retry_after_s,
        breaker_failures=s.breaker_failures,
    )
    return OpenedSide(
        name=name,
        settings=s,
        client=client,
        concurrency=effective,
        hardware=hardware(local=local, threads=s.threads, n_ctx=s.n_ctx),
        model_size_bytes=size,
        memory_bytes=memory,
        memory_source=source,
    )
