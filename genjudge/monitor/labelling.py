"""Labelling sampled traffic: the teacher's output through the provider layer, or human ratings.

The teacher is asked once per item, through :class:`~genjudge.judge.Judge`'s client (cache →
limiter → retries honouring ``Retry-After`` → timeout → provider). Its answer is stored with the
item, so later runs do not ask again; answers also go to the call cache, so a run interrupted
before it stored anything replays them for free. A failed call leaves the item unlabelled with
the reason; it is asked again on the next run.

Human labels come from a rated sample (:mod:`genjudge.labels`): for classification the label is
the raters' most frequent rating of the dimension (an even split is no label, with the reason);
for generation the per-item mean of the coded ratings.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from genjudge.checks.normalize import normalize_label
from genjudge.monitor.config import DEFAULT_PROMPT, HumanLabels, Teacher
from genjudge.records import TaskKind

__all__ = ["HumanLabel", "TeacherOutcome", "human_labels", "teacher_labels"]


@dataclass(frozen=True)
class TeacherOutcome:
    labels: dict[str, tuple[str | None, str | None]]
    """item id -> (label JSON ``{"text": ...}`` or None, reason when None)."""
    attempts: int
    """Attempts sent to the provider (retries included; cache hits and stored labels excluded)."""
    retries: int
    cache_hits: int


async def teacher_labels(teacher: Teacher, task: TaskKind, todo: list[tuple[str, str]]) -> TeacherOutcome:
    """Ask the teacher for its output on each (item id, input)."""
    from genjudge.judge import Judge
    from genjudge.llm.types import ChatRequest, ChatResponse

    if not todo:
        return TeacherOutcome({}, 0, 0, 0)
    judge = Judge(teacher.provider)
    allowed = {normalize_label(x) for x in teacher.labels} if teacher.labels else None
    system = teacher.prompt or DEFAULT_PROMPT[task]
    if allowed is not None and teacher.prompt is None:
        system += " Allowed labels: " + ", ".join(sorted(allowed)) + "."

    def usable(resp: ChatResponse) -> bool:
        if not resp.text.strip() or resp.refusal:
            return False
        return allowed is None or normalize_label(resp.text) in allowed

    async def one(client: Any, input_text: str) -> tuple[str | None, str | None]:
        request = ChatRequest(
            system=system,
            user=input_text,
            temperature=judge.settings.temperature,
            max_tokens=judge.settings.max_tokens,
        )
        out = await client.call(request, extra={"purpose": "monitor-teacher"}, accept=usable)
        if out.response is None:
            return None, f"teacher call failed: {out.error}"
        resp = out.response
        if resp.refusal:
            return None, f"teacher refused: {resp.refusal}"
        if not resp.text.strip():
            return None, "teacher answered nothing"
        if allowed is not None and normalize_label(resp.text) not in allowed:
            return None, f"teacher answered {resp.text.strip()[:80]!r}, not one of the labels"
        return json.dumps({"text": resp.text.strip() if task is TaskKind.CLASSIFICATION else resp.text}), None

    async with judge:
        client = await judge.open()
        results = await asyncio.gather(*(one(client, text) for _, text in todo))
        totals = judge.meter
    labels = {item_id: result for (item_id, _), result in zip(todo, results, strict=True)}
    return TeacherOutcome(labels, totals.calls, totals.retries, totals.cached)


@dataclass(frozen=True)
class HumanLabel:
    value: str | float | None
    """The label (classification) or the mean rating (generation); None with ``reason``."""
    raters: int
    reason: str | None = None


def human_labels(spec: HumanLabels, task: TaskKind) -> dict[str, HumanLabel]:
    """Item id -> the humans' label of ``spec.dimension``."""
    from genjudge.labels.readers import load_sample

    sample = load_sample(spec.path)
    sample.scale(spec.dimension)  # a ConfigError naming the dimensions when it is not there
    ratings = sample.ratings[sample.ratings["dimension"] == spec.dimension]
    out: dict[str, HumanLabel] = {}
    for item_id, group in ratings.groupby("item_id", sort=True):
        k = len(group)
        if task is TaskKind.CLASSIFICATION:
            counts = Counter(normalize_label(r) for r in group["rating"])
            ranked = counts.most_common()
            if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
                out[str(item_id)] = HumanLabel(None, k, f"raters split evenly ({dict(counts)})")
            else:
                out[str(item_id)] = HumanLabel(ranked[0][0], k)
        else:
            out[str(item_id)] = HumanLabel(float(group["value"].mean()), k)
    return out
