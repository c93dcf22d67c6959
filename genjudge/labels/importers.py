"""Importers for two public rated layouts, written out in genjudge's own format.

They double as worked examples of how a user's files map onto ``human_labels/``:

- SummEval (Fabbri et al. 2021): 1,200 summaries (100 CNN/DailyMail documents x 12 systems),
  rated 1-5 on coherence, consistency, fluency and relevance by 3 experts and 5 crowd workers.
  Either the per-annotator JSONL (with the article, so a judge can rate it) or the wide CSV
  (ratings only).
- PandaLM (Wang et al. 2023): 999 pairs of responses; 3 annotators say which is better or that they
  are equally good (0 = tie, 1 = response1, 2 = response2). Two dimensions are written:
  ``preference`` (the 3-way label) and ``tie`` (1 when the annotator chose "equally good"). The
  released verdicts of PandaLM's automated judges are written as imported judge verdicts.
"""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError, InputError
from genjudge.io.tables import read_rows
from genjudge.labels.model import MANIFEST_NAME, RatingsSource, RubricRef, SampleManifest, Scale
from genjudge.records import Status

SUMMEVAL_DIMENSIONS = ("coherence", "consistency", "fluency", "relevance")
SUMMEVAL_QUESTIONS = {
    "coherence": "The summary is well-structured and well-organized, not just a heap of related information.",
    "consistency": "The summary contains only statements entailed by the source document (no hallucinated facts).",
    "fluency": "The summary has no formatting problems, capitalization errors or ungrammatical sentences.",
    "relevance": "The summary includes only important information from the source document (no redundancies).",
}
PANDALM_JUDGES = ("gpt35_judge", "pandalm7b_judge")
VERDICT_COLUMNS = ("item_id", "dimension", "value", "status", "reason")


def _write_csv(path: Path, header: tuple[str, ...] | list[str], rows: list[tuple[Any, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def _whole_rating(raw: Any, path: Path, line: int, field: str) -> int:
    """A 1-5 rating as an int; a fractional one (4.5) is refused, never truncated to 4."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError(path, line, field, f"{raw!r} is not a number") from None
    if not value.is_integer():
        raise InputError(
            path,
            line,
            field,
            f"{raw!r} is not a whole rating on the 1-5 scale (SummEval ratings are integers)",
        )
    return int(value)


def _annotations(value: Any, path: Path, line: int, field: str) -> list[dict[str, Any]]:
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)  # the crowd ratings are a Python-literal string
        except (ValueError, SyntaxError):
            raise InputError(path, line, field, "not a list of rating dicts") from None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(path, line, field, "not a list of rating dicts")
    return value


def import_summeval(
    source: Path, out: Path, *, raters: str = "expert", dimensions: tuple[str, ...] = SUMMEVAL_DIMENSIONS
) -> SampleManifest:
    """Write SummEval as a genjudge rated sample in ``out`` (long ratings + items when available).

    ``raters``: ``expert`` (3), ``turker`` (5) or ``all``. ``source``: the per-annotator JSONL or
    the wide CSV.
    """
    if raters not in ("expert", "turker", "all"):
        raise ConfigError(f"raters must be expert, turker or all, got {raters!r}")
    bad = set(dimensions) - set(SUMMEVAL_DIMENSIONS)
    if bad or not dimensions:
        raise ConfigError(f"SummEval dimensions are {SUMMEVAL_DIMENSIONS}, got {sorted(bad) or 'none'}")
    kinds = ("expert", "turker") if raters == "all" else (raters,)
    source, out = Path(source), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ratings: list[tuple[Any, ...]] = []
    items: list[dict[str, Any]] = []
    for line, row in read_rows(source):
        item_id = row.get("item_id")
        if not item_id:
            raise InputError(source, line, "item_id", "missing")
        if source.suffix == ".csv":
            for kind in kinds:
                for k in range(1, 6 if kind == "turker" else 4):
                    for dim in dimensions:
                        if row.get(f"{kind}{k}_{dim}") is not None:
                            field = f"{kind}{k}_{dim}"
                            ratings.append(
                                (item_id, f"{kind}{k}", dim, _whole_rating(row[field], source, line, field))
                            )
        else:
            for kind in kinds:
                for k, ann in enumerate(
                    _annotations(row.get(f"{kind}_annotations"), source, line, f"{kind}_annotations"), 1
                ):
                    ratings.extend(
                        (
                            item_id,
                            f"{kind}{k}",
                            dim,
                            _whole_rating(ann[dim], source, line, f"{kind}_annotations"),
                        )
                        for dim in dimensions
                        if dim in ann
                    )
        items.append(
            {
                "id": item_id,
                "doc_id": row.get("doc_id"),
                "system_id": row.get("system_id"),
                "source": row.get("source"),
                "output": row.get("summary"),
                "reference": row.get("reference"),
            }
        )
    _write_csv(out / "ratings.csv", ("item_id", "rater", "dimension", "rating"), ratings)
    _write_jsonl(out / "items.jsonl", items)
    manifest = SampleManifest(
        name=f"summeval-{raters}",
        population="external: SummEval",
        description=f"SummEval (Fabbri et al. 2021), {raters} ratings, imported from {source.name}",
        rubric=RubricRef(
            id="summeval",
            version="fabbri-2021",
            instructions=" ".join(f"{d}: {SUMMEVAL_QUESTIONS[d]}" for d in dimensions)
            + " Rate 1 (worst) to 5 (best).",
        ),
        dimensions={d: Scale(level="ordinal", values=[1, 2, 3, 4, 5]) for d in dimensions},
        ratings=RatingsSource(path="ratings.csv", layout="long"),
        items="items.jsonl",
        slices=["system_id"],
        document="doc_id",
        system="system_id",
        raters={"expert": "expert annotator", "turker": "crowd worker (Mechanical Turk)"},
    )
    (out / MANIFEST_NAME).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return manifest


def _pandalm_label(raw: Any) -> int | None:
    """A PandaLM label as 0/1/2; the judges' ``'Tie'`` is 0; anything else (``'garbage'``) is None."""
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text == "tie":
            return 0
        if text in ("0", "1", "2"):
            return int(text)
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw in (0, 1, 2):
        return int(raw)
    return None


def import_pandalm(source: Path, out: Path, *, judges: tuple[str, ...] = PANDALM_JUDGES) -> SampleManifest:
    """Write PandaLM's test set as a rated sample in ``out``, and each released judge's verdicts as
    ``out/verdicts/<judge>.csv`` (a verdict the judge's output does not support is ``unscored``)."""
    source, out = Path(source), Path(out)
    (out / "verdicts").mkdir(parents=True, exist_ok=True)
    ratings: list[tuple[Any, ...]] = []
    items: list[dict[str, Any]] = []
    verdicts: dict[str, list[tuple[Any, ...]]] = {j: [] for j in judges}
    for line, row in read_rows(source):
        item_id = row.get("item_id")
        if not item_id:
            raise InputError(source, line, "item_id", "missing")
        for k in (1, 2, 3):
            label = _pandalm_label(row.get(f"annotator{k}"))
            if label is None:
                raise InputError(
                    source, line, f"annotator{k}", f"expected 0, 1 or 2, got {row.get(f'annotator{k}')!r}"
                )
            ratings.append((item_id, f"annotator{k}", "preference", label))
            ratings.append((item_id, f"annotator{k}", "tie", int(label == 0)))
        for judge in judges:
            if judge not in row:
                raise InputError(source, line, judge, "missing (no such judge column)")
            label = _pandalm_label(row[judge])
            if label is None:
                reason = f"released verdict {row[judge]!r} is not a label"
                verdicts[judge] += [
                    (item_id, d, "", Status.UNSCORED.value, reason) for d in ("preference", "tie")
                ]
            else:
                verdicts[judge] += [
                    (item_id, "preference", label, Status.OK.value, ""),
                    (item_id, "tie", int(label == 0), Status.OK.value, ""),
                ]
        items.append(
            {
                "id": item_id,
                "instruction": row.get("instruction"),
                "input": row.get("input"),
                "response1": row.get("response1"),
                "response2": row.get("response2"),
                "cmp_key": row.get("cmp_key"),
                "motivation_app": row.get("motivation_app"),
            }
        )
    _write_csv(out / "ratings.csv", ("item_id", "rater", "dimension", "rating"), ratings)
    _write_jsonl(out / "items.jsonl", items)
    for judge, rows in verdicts.items():
        _write_csv(out / "verdicts" / f"{judge}.csv", VERDICT_COLUMNS, rows)
    manifest = SampleManifest(
        name="pandalm-testset",
        population="external: PandaLM",
        description=f"PandaLM test set (Wang et al. 2023), 3 annotators, imported from {source.name}",
        rubric=RubricRef(
            id="pandalm",
            version="wang-2023",
            instructions="Given the instruction and input, which response is better: 1, 2, or are they equally good (0, tie)?",
        ),
        dimensions={
            "preference": Scale(
                level="nominal", values=[0, 1, 2], names={"0": "tie", "1": "response1", "2": "response2"}
            ),
            "tie": Scale(
                level="nominal",
                values=[0, 1],
                names={"0": "not equally good", "1": "equally good"},
                positive=1,
            ),
        },
        ratings=RatingsSource(path="ratings.csv", layout="long"),
        items="items.jsonl",
        slices=["motivation_app"],
        raters={"annotator": "PandaLM human annotator"},
    )
    (out / MANIFEST_NAME).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return manifest
