"""Sentence embeddings for similarity checks: encoder, cache and the judge-disagreement table."""

from __future__ import annotations

from genjudge.embed.cache import EmbeddingCache, text_key
from genjudge.embed.disagreement import JUDGE_COLUMN, SIMILARITY_COLUMN, judge_similarity_disagreements
from genjudge.embed.encoder import DEFAULT_MODEL, Encoder, EncodeResult, load_model, resolve_model

__all__ = [
    "DEFAULT_MODEL",
    "EmbeddingCache",
    "EncodeResult",
    "Encoder",
    "JUDGE_COLUMN",
    "SIMILARITY_COLUMN",
    "judge_similarity_disagreements",
    "load_model",
    "resolve_model",
    "text_key",
]
