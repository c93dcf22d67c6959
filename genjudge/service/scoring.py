"""``POST /v1/score``: a small batch scored at once, by the checks and the judge of ``genjudge run``.

The items become the frame a run builds (:func:`genjudge.frame.build_frame`), the checks are built
from the request as from a run config (:func:`genjudge.checks.build.build_checks`), every check
scores the frame, and :func:`genjudge.outcome.per_example_table` gives each item its status (the
worst of its checks') and reason. The judge is shared between requests with the same settings, so
its limiter holds for the whole service and its cache (in the service's workdir) answers a repeated
question without a call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError
from genjudge.service.jsonsafe import finite

__all__ = ["JudgePool", "score_batch"]


class JudgePool:
    """One Judge per distinct settings, opened on first use and closed with the service."""

    def __init__(self, cache_path: Path) -> None:
        self.cache_path = cache_path
        self._judges: dict[str, Any] = {}

    def get(self, settings: dict[str, Any] | None) -> tuple[str, Any]:
        from genjudge.judge import Judge, JudgeSettings

        raw = {**(settings or {}), "cache_path": str(self.cache_path)}
        try:
            validated = JudgeSettings.model_validate(raw)
        except ValueError as exc:
            raise ConfigError(f"judge: invalid settings: {exc}") from None
        key = validated.model_dump_json()
        if key not in self._judges:
            self._judges[key] = Judge(validated)
        return key, self._judges[key]

    async def drop(self, key: str) -> None:
        """Close a judge that stopped (its breaker tripped): the next request builds it anew."""
        judge = self._judges.pop(key, None)
        if judge is not None:
            await judge.aclose()

    async def aclose(self) -> None:
        for key in list(self._judges):
            await self.drop(key)


async def score_batch(
    request: Any, pool: JudgePool, *, base_dir: Path, workdir: Path, judge: dict[str, Any] | None
) -> dict[str, Any]:
    """Score ``request`` (a :class:`~genjudge.service.models.ScoreRequest`); per-item results."""
    from pydantic import ValidationError

    from genjudge.checks.base import RunContext
    from genjudge.checks.build import build_checks
    from genjudge.config import RunConfig
    from genjudge.errors import one_line
    from genjudge.frame import build_frame
    from genjudge.io.evalset import EvalSet
    from genjudge.io.outputs import NUMERIC, ModelOutputs
    from genjudge.llm.errors import ProviderStopped
    from genjudge.outcome import per_example_table
    from genjudge.records import TaskKind

    task = request.task
    ids = [item.id if item.id is not None else f"item-{i}" for i, item in enumerate(request.items)]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ConfigError(f"items: duplicate id {dup!r}")
    where = Path("request")
    rows = []
    for item_id, item in zip(ids, request.items, strict=True):
        rows.append({"id": item_id, "input": item.input, "reference": item.reference})
    evalset = EvalSet(where, "json", rows, {i: n for n, i in enumerate(ids)}, ["id", "input", "reference"])
    sides = {}
    for side in ("teacher", "student"):
        outputs: dict[str, Any] = {}
        for n, (item_id, item) in enumerate(zip(ids, request.items, strict=True)):
            value = getattr(item, side)
            if task is TaskKind.CLASSIFICATION and isinstance(value, dict | list):
                raise ConfigError(f"items[{n}].{side}: a class label must be text or a number")
            if task is TaskKind.EXTRACTION and isinstance(value, str):
                # not JSON: judged as text by the checks, as in a run
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            outputs[item_id] = value
        sides[side] = ModelOutputs(where, outputs, numbers={k: {} for k in NUMERIC})
    try:
        config = RunConfig.model_validate(
            {"task": task, "set": where, "teacher": where, "student": where, "checks": request.checks}
        )
    except ValidationError as exc:
        raise ConfigError(f"checks: {one_line(exc)}") from None
    checks = build_checks(config, base_dir)
    frame = build_frame(evalset, [], sides["teacher"], sides["student"])
    key, shared = pool.get(judge)
    ctx = RunContext(task=task, seed=0, workdir=workdir, services={"judge": shared, "judge_settings": judge})
    try:
        results = list(await asyncio.gather(*(c.score(frame, ctx) for c in checks)))
    except ProviderStopped:
        await pool.drop(key)
        raise
    table, _ = per_example_table(frame, checks, results)
    out = []
    for position, item_id in enumerate(ids):
        row = table.iloc[position]
        per_check = {}
        for check in checks:
            prefix = f"{check.name}."
            values = {
                column[len(prefix) :]: finite(row[column])
                for column in table.columns
                if column.startswith(prefix) and column not in (f"{prefix}status", f"{prefix}reason")
            }
            per_check[check.name] = {
                "status": row[f"{prefix}status"],
                "reason": finite(row[f"{prefix}reason"]),
                "values": values,
            }
        out.append(
            {"id": item_id, "status": row["status"], "reason": finite(row["reason"]), "checks": per_check}
        )
    counts = {s: sum(1 for o in out if o["status"] == s) for s in ("ok", "unscored", "error")}
    return {"task": task.value, "checks": [c.name for c in checks], "counts": counts, "items": out}
