"""Producing the outputs: ``genjudge.generate`` and ``genjudge.loadtest`` (docs/generate.md).

Thin edges over :mod:`genjudge.generation` that also work where an event loop already runs (a
notebook cell): the work then runs on a worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from genjudge.api._sync import blocking
from genjudge.generation import GenerateConfig, GenerateResult, LoadtestResult
from genjudge.generation import generate as _generate
from genjudge.generation import loadtest as _loadtest
from genjudge.progress import ProgressCallback

__all__ = ["generate", "loadtest"]


def generate(
    config: GenerateConfig | Path | str | dict[str, Any],
    *,
    sides: Sequence[str] = ("teacher", "student"),
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> GenerateResult:
    """``genjudge generate``: the frozen set's inputs through teacher and student, one harness; the
    two output files (and their settings records) that ``genjudge run`` reads."""
    return blocking(lambda: _generate(config, sides=sides, limit=limit, progress=progress))


def loadtest(
    config: GenerateConfig | Path | str | dict[str, Any],
    *,
    side: str = "student",
    budget_ms: float,
    levels: Sequence[int] = (1, 2, 4, 8, 16),
    requests: int = 40,
    max_seconds: float = 120.0,
) -> LoadtestResult:
    """``genjudge loadtest``: the highest request rate whose P95 latency stays within ``budget_ms``,
    at rising concurrency, bounded in requests and time."""
    return blocking(
        lambda: _loadtest(
            config, side=side, budget_ms=budget_ms, levels=levels, requests=requests, max_seconds=max_seconds
        )
    )
