"""``genjudge labels sample``: draw a seeded, stratified sample of a stored run's items into a rating
sheet (a rated sample folder nobody has rated yet), and grow it later without losing the design.

Strata are the run's slice columns crossed with the judge's verdict (so the cases the judge calls
rare are represented). Each stratum first gets ``min(2, N_h)`` items (two make a within-stratum
variance), the rest of ``n`` is allocated in proportion to stratum size (largest remainder). Within a
stratum items are drawn uniformly without replacement from those not yet in the sheet, so after any
number of rounds the sheet holds a simple random sample of each stratum and an item's inclusion
probability is ``n_h / N_h``; every round is recorded in the manifest's ``design``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from genjudge.errors import ConfigError
from genjudge.labels.model import (
    MANIFEST_NAME,
    DrawRound,
    RatingsSource,
    RubricRef,
    SampleDesign,
    SampleManifest,
    SampleOrigin,
    Scale,
)
from genjudge.validation.sheet_source import VERDICT, SheetSource, content_sha256, stratum_keys

RATINGS_HEADER = "item_id,rater,dimension,rating,note\n"


@dataclass(frozen=True)
class DrawSummary:
    """What a draw did."""

    sheet: Path
    round: int
    drawn: int
    total: int
    population: int
    per_stratum: dict[str, tuple[int, int]]
    """stratum -> (items in the sheet, items in the run)."""


def scale_of(rubric: Any) -> Scale:
    """The sheet's rating scale: a label rubric's labels (nominal), a score rubric's points (ordinal)."""
    if rubric.kind == "label":
        labels = list(rubric.labels)
        positive = max(labels, key=lambda k: rubric.labels[k]) if len(labels) == 2 else None
        return Scale(level="nominal", values=labels, positive=positive)
    points = list(range(rubric.scale.min, rubric.scale.max + 1))
    return Scale(level="ordinal", values=points, names=dict(rubric.scale.anchors))


def allocate(sizes: dict[str, int], drawn: dict[str, int], n: int) -> dict[str, int]:
    """New items per stratum: ``min(2, N_h)`` first, then in proportion to ``N_h`` (largest remainder)."""
    room = {h: sizes[h] - drawn.get(h, 0) for h in sizes}
    new = dict.fromkeys(sizes, 0)
    left = min(n, sum(room.values()))
    for h in sorted(sizes, key=lambda h: sizes[h]):  # the floor of two, smallest strata first
        want = max(0, min(2, sizes[h]) - drawn.get(h, 0))
        take = min(want, room[h], left)
        new[h] += take
        left -= take
    while left > 0:
        total = sum(drawn.get(h, 0) + new[h] for h in sizes) + left
        target = {h: sizes[h] * total / sum(sizes.values()) for h in sizes}
        gap = {h: target[h] - drawn.get(h, 0) - new[h] for h in sizes if room[h] - new[h] > 0}
        if not gap:
            break
        h = max(sorted(gap), key=lambda k: gap[k])
        new[h] += 1
        left -= 1
    return new


def draw(
    source: SheetSource,
    out: Path,
    n: int,
    *,
    seed: int = 0,
    strata: list[str] | None = None,
    grow: bool = False,
) -> DrawSummary:
    """Draw ``n`` items of ``source`` into the sheet at ``out`` (a new one, or grown with ``grow``)."""
    if n < 1:
        raise ConfigError("--n must be at least 1")
    manifest_path = out / MANIFEST_NAME
    existing: dict[str, dict[str, Any]] = {}
    if grow:
        manifest, existing = _read_sheet(out)
        if manifest.origin is None or manifest.design is None:
            raise ConfigError(
                f"{manifest_path}: not a sheet drawn by `genjudge labels sample` (no origin/design)"
            )
        if manifest.origin.run_id != source.run_id or manifest.origin.metric != source.metric:
            raise ConfigError(
                f"{manifest_path}: the sheet rates {manifest.origin.metric} of run {manifest.origin.run_id}, "
                f"not {source.metric} of run {source.run_id}"
            )
        columns, seed = manifest.design.strata, manifest.design.seed
        rounds = list(manifest.design.rounds)
    else:
        if manifest_path.exists():
            raise ConfigError(f"{out} already holds a sheet: grow it with --grow, or choose another --out")
        columns = list(strata) if strata is not None else [*source.slices, VERDICT]
        unknown = [c for c in columns if c != VERDICT and c not in source.examples.columns]
        if unknown:
            raise ConfigError(f"strata columns {unknown} are not in run {source.run_id}'s examples")
        rounds = []
    keys = stratum_keys(source.examples, columns, source.column, source.label_column)
    ids = [str(i) for i in source.examples["id"]]
    sizes = dict(sorted(Counter(keys).items()))
    drawn = Counter(keys[i] for i, item in enumerate(ids) if item in existing)
    new = allocate(sizes, drawn, n)
    round_no = len(rounds) + 1
    rng = np.random.default_rng([seed, round_no])
    chosen: set[str] = set()
    for h, k in new.items():
        pool = sorted(item for i, item in enumerate(ids) if keys[i] == h and item not in existing)
        if k:
            chosen.update(str(x) for x in rng.choice(pool, size=k, replace=False))
    if not chosen:
        raise ConfigError(f"every item of run {source.run_id} is already in the sheet {out}")
    rounds.append(DrawRound(round=round_no, n=len(chosen), seed=seed, drawn_at=datetime.now(UTC).isoformat()))
    counts = Counter(keys[i] for i, item in enumerate(ids) if item in existing or item in chosen)
    items = dict(existing)
    for i, (_, row) in enumerate(source.examples.iterrows()):
        item = ids[i]
        if item in chosen:
            texts = source.shown(row)
            items[item] = {
                "id": item,
                **texts,
                **{c: _plain(row.get(c)) for c in (*source.slices, *source.extra)},
                "_stratum": keys[i],
                "_round": round_no,
                "_content_sha256": content_sha256(texts),
            }
    for obj in items.values():
        obj["_inclusion_probability"] = counts[obj["_stratum"]] / sizes[obj["_stratum"]]
    manifest = _manifest(source, columns, seed, sizes, rounds)
    _write_sheet(out, manifest, [items[k] for k in sorted(items)])
    per = {h: (counts.get(h, 0), sizes[h]) for h in sizes}
    return DrawSummary(out, round_no, len(chosen), len(items), len(ids), per)


def _plain(value: Any) -> Any:
    from genjudge.io.canonical import is_absent

    return None if is_absent(value) else value if isinstance(value, (str, int, float, bool)) else str(value)


def _manifest(
    source: SheetSource, columns: list[str], seed: int, sizes: dict[str, int], rounds: list[DrawRound]
) -> SampleManifest:
    rubric = source.rubric
    judge = source.binding.model_dump(exclude={"rubric_id", "rubric_version", "rubric_hash"})
    return SampleManifest(
        name=f"{source.run_name} {source.metric} sample",
        description=(
            f"Items of run {source.run_id} drawn for human rating (genjudge labels sample); rate with "
            "`genjudge labels rate`."
        ),
        rubric=RubricRef(
            id=rubric.id,
            version=str(rubric.version),
            instructions=rubric.instructions.strip(),
            content_hash=rubric.content_hash,
        ),
        dimensions={rubric.id: scale_of(rubric)},
        ratings=RatingsSource(path="ratings.csv", layout="long"),
        items="items.jsonl",
        slices=list(source.slices),
        document=source.document,
        show=list(source.show),
        titles=dict(source.titles),
        origin=SampleOrigin(
            run_id=source.run_id,
            set_fingerprint=source.set_fingerprint,
            check=source.check,
            metric=source.metric,
            column=source.column,
            label_column=source.label_column,
            side=source.side,
            judge=judge,
        ),
        design=SampleDesign(
            seed=seed, strata=columns, population_size=sum(sizes.values()), stratum_sizes=sizes, rounds=rounds
        ),
    )


def _read_sheet(out: Path) -> tuple[SampleManifest, dict[str, dict[str, Any]]]:
    from genjudge.labels.readers import load_sample

    sample = load_sample(out, allow_empty=True)
    return sample.manifest, {k: dict(v) for k, v in sample.items.items()}


def _write_sheet(out: Path, manifest: SampleManifest, items: list[dict[str, Any]]) -> None:
    """Items and manifest, each replaced atomically; the ratings file is created once, never rewritten."""
    out.mkdir(parents=True, exist_ok=True)
    _replace(out / "items.jsonl", "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in items))
    ratings = out / "ratings.csv"
    if not ratings.exists():
        ratings.write_text(RATINGS_HEADER, encoding="utf-8")
    _replace(out / MANIFEST_NAME, manifest.model_dump_json(indent=2) + "\n")


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
