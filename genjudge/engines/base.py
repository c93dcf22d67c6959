"""The engine protocol: per-item check results for a frame, however they are computed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import pandas as pd

from genjudge.checks.base import CheckResult, RowwiseCheck, RunContext

__all__ = ["Engine", "OnFinished", "split_rowwise"]

OnFinished = Callable[[str], None]
"""Called with a check's name when its result is complete (the progress display)."""


class Engine(Protocol):
    """Scores every check over the frame and returns their results in the order of ``checks``."""

    name: str

    async def score(
        self, frame: pd.DataFrame, checks: list[Any], ctx: RunContext, on_finished: OnFinished
    ) -> list[CheckResult]:
        """One result per check, aligned with the frame's rows, as ``check.score(frame, ctx)`` gives."""


def split_rowwise(checks: list[Any]) -> tuple[list[int], list[int]]:
    """Positions of the row-wise checks (they may be scored block by block) and of the others."""
    rowwise = [i for i, c in enumerate(checks) if isinstance(c, RowwiseCheck)]
    return rowwise, [i for i in range(len(checks)) if i not in rowwise]
