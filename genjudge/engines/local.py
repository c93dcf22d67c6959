"""The local engine: every check scores the whole frame in this process, concurrently."""

from __future__ import annotations

import asyncio
from typing import Any

import pandas as pd

from genjudge.checks.base import CheckResult, RunContext
from genjudge.engines.base import OnFinished

__all__ = ["LocalEngine"]


class LocalEngine:
    """Today's scoring: ``check.score(frame, ctx)`` for every check, gathered on this event loop."""

    name = "local"

    async def score(
        self, frame: pd.DataFrame, checks: list[Any], ctx: RunContext, on_finished: OnFinished
    ) -> list[CheckResult]:
        """One result per check, in the order of ``checks``."""

        async def one(check: Any) -> CheckResult:
            result: CheckResult = await check.score(frame, ctx)
            on_finished(check.name)
            return result

        return list(await asyncio.gather(*(one(c) for c in checks)))
