"""Run the configured judge over a rated sample, through the same client a run uses (cached,
rate-limited, retried, metered), and turn its verdicts into the verdict layout.

Two ways to ask:

- ``grade``: a score or label rubric over each item; ``fields`` maps the rubric's template fields
  to item columns (default: same names).
- ``equivalence``: a label rubric with ``text_a`` / ``text_b``, asked in both orders by
  :meth:`Judge.equivalence`; orders that disagree are unscored (position bias), never guessed.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pandas as pd

from genjudge.errors import ConfigError
from genjudge.labels import RatedSample
from genjudge.records import Status


def pick_items(
    sample: RatedSample, dimension: str, limit: int | None, seed: int, *, stratify: bool = False
) -> list[str]:
    """The items to judge: all rated items, or a seeded random ``limit`` of them.

    ``stratify``: an equal share from each human-consensus class (majority label or rounded
    mean), so a rare class (PandaLM's ties: 10 %) is represented. Otherwise, when the sample
    declares a document column, whole documents are drawn (so summary-level correlation has
    several summaries per document) until ``limit`` items are reached.
    """
    ids = sample.item_ids(dimension)
    if limit is None or limit >= len(ids):
        return ids
    rng = random.Random(seed)
    if stratify:
        from genjudge.validation.bundle import consensus

        scale = sample.scale(dimension)
        _, _, h = sample.matrix(dimension, ids)
        cons = consensus(h, scale)
        classes: dict[float, list[str]] = {}
        for i, c in zip(ids, cons, strict=True):
            if c == c:  # items without a consensus are not drawn
                classes.setdefault(float(round(c)), []).append(i)
        per = max(1, limit // max(1, len(classes)))
        return sorted(x for k in sorted(classes) for x in rng.sample(classes[k], min(per, len(classes[k]))))
    doc = sample.manifest.document
    if not doc:
        return sorted(rng.sample(ids, limit))
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(str(sample.items.get(i, {}).get(doc)), []).append(i)
    keys = sorted(groups)
    rng.shuffle(keys)
    chosen: list[str] = []
    for k in keys:
        chosen.extend(groups[k][: limit - len(chosen)])
        if len(chosen) >= limit:
            break
    return sorted(chosen)


async def judge_sample(
    sample: RatedSample,
    judge: Any,
    rubric: Any,
    dimension: str,
    item_ids: list[str],
    *,
    fields: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Ask ``judge`` (a :class:`genjudge.judge.Judge`) about every item; one verdict row per item."""
    scale = sample.scale(dimension)
    fields = fields or {}
    unknown = set(fields) - set(rubric.fields)
    if unknown:
        raise ConfigError(
            f"--field names {sorted(unknown)}, which rubric {rubric.id!r} does not have ({rubric.fields})"
        )
    rows = [{f: sample.items.get(i, {}).get(fields.get(f, f)) for f in rubric.fields} for i in item_ids]
    if not sample.items:
        raise ConfigError(
            "the sample has no items file: the judge has nothing to read (use --verdicts instead)"
        )
    if rubric.kind == "label" and set(rubric.fields) == {"text_a", "text_b"}:
        verdicts = await judge.equivalence([(r["text_a"], r["text_b"]) for r in rows], rubric=rubric)
    else:
        verdicts = await judge.grade(rubric, rows)
    out = []
    for item_id, v in zip(item_ids, verdicts, strict=True):
        status, reason, value = v.status.value, v.reason, float("nan")
        if v.status is Status.OK:
            try:
                value = scale.code(v.value if v.value is not None else v.label)
            except ValueError as exc:
                status, reason = (
                    Status.UNSCORED.value,
                    f"verdict {v.value!r} is off the sample's scale: {exc}",
                )
        raw = v.value if v.status is Status.OK and v.value is not None else v.label
        out.append(
            {
                "item_id": item_id,
                "dimension": dimension,
                "raw": int(raw) if isinstance(raw, float) and raw.is_integer() else raw,
                "value": value,
                "status": status,
                "reason": reason,
                "rationale": v.rationale,
            }
        )
    return pd.DataFrame(out)


async def run_judge(
    sample: RatedSample,
    settings: Any,
    rubric_name: str,
    dimension: str,
    item_ids: list[str],
    *,
    fields: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, Any, dict[str, Any]]:
    """Open the judge, judge the items, close it. Returns (verdicts, rubric, meter totals)."""
    from genjudge.judge import Judge, load_rubric

    rubric = load_rubric(rubric_name)
    async with Judge(settings) as judge:
        frame = await judge_sample(sample, judge, rubric, dimension, item_ids, fields=fields)
        meter = judge.meter.model_dump()
    return frame, rubric, meter


def run_judge_sync(*args: Any, **kwargs: Any) -> tuple[pd.DataFrame, Any, dict[str, Any]]:
    """Blocking edge over :func:`run_judge` for the CLI."""
    return asyncio.run(run_judge(*args, **kwargs))
