"""The encoder and the embedding_similarity check with the real default model (CPU, small)."""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd
import pytest

from genjudge.checks import get
from genjudge.checks.base import RunContext
from genjudge.embed import EmbeddingCache, Encoder, load_model
from genjudge.errors import ConfigError
from genjudge.records import TaskKind

pytestmark = pytest.mark.slow


def test_dedup_cache_and_truncation(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    enc = Encoder(cache=cache, batch_size=2, max_seq_length=16)
    long = "word " * 40  # 40 word pieces + [CLS] + [SEP] = 42 > 16
    texts = ["a cat", "a dog", "a cat", long]
    first = enc.encode(texts)
    assert (first.n_texts, first.n_unique, first.n_encoded, first.n_truncated) == (4, 3, 3, 1)
    np.testing.assert_allclose(np.linalg.norm(first.embeddings, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first.embeddings[0], first.embeddings[2])
    # Same vectors as a bare encode with the same truncation.
    model = load_model()
    model.max_seq_length = 16
    try:
        bare = model.encode(["a cat", long], normalize_embeddings=True)
    finally:
        model.max_seq_length = 256
    np.testing.assert_allclose(first.embeddings[[0, 3]], bare, atol=1e-5)
    # A fresh encoder on the same file encodes nothing and still knows what was truncated.
    again = Encoder(cache=EmbeddingCache(tmp_path / "e.sqlite"), max_seq_length=16).encode(texts)
    assert (again.n_encoded, again.n_truncated) == (0, 1)
    np.testing.assert_array_equal(again.embeddings, first.embeddings)
    # A different truncation length is a different cache namespace.
    assert Encoder(cache=cache).encode(["a cat"]).n_encoded == 1


def test_bad_max_seq_length():
    with pytest.raises(ConfigError):
        Encoder(max_seq_length=10_000).encode(["x"])


def test_check_scores_pairs_and_states_the_blind_spot(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["same", "contradiction", "unrelated", "nostudent"],
            "input": "",
            "reference": [None, None, "The stock market fell sharply today.", "x"],
            "teacher": [
                "The meeting was cancelled.",
                "The meeting was cancelled.",
                "I like green apples.",
                "y",
            ],
            "student": [
                "The meeting was cancelled.",
                "The meeting was not cancelled.",
                "Quantum computers use qubits.",
                None,
            ],
            "topic": ["a", "a", "b", "b"],
        }
    )
    cls = get("embedding_similarity")
    result = asyncio.run(
        cls(TaskKind.GENERATION, cls.Options(threshold=0.8)).score(
            frame, RunContext(TaskKind.GENERATION, 0, tmp_path)
        )
    )
    cos = result.columns["embedding_similarity.student_vs_teacher.cosine"]
    assert cos[0] == pytest.approx(1.0, abs=1e-5)
    assert cos[1] > 0.8  # the negation is invisible to the cosine: the reason for the note
    assert cos[2] < 0.3
    assert (
        np.isnan(cos[3]) and result.status[3] == "unscored" and result.reason[3] == "missing student output"
    )
    np.testing.assert_array_equal(
        result.columns["embedding_similarity.student_vs_teacher.above_threshold"][:3], [1, 1, 0]
    )
    assert np.isnan(result.columns["embedding_similarity.student_vs_reference.cosine"][0])
    assert any(n.startswith("What similarity cannot see") for n in result.notes)
    dist = result.sections["similarity_distribution"]["student_vs_teacher"]
    assert dist[0]["n"] == 3 and dist[0]["share_at_or_above"] == pytest.approx(2 / 3)
    assert [(d["slice_column"], d["slice_value"], d["n"]) for d in dist[1:]] == [
        ("topic", "a", 2),
        ("topic", "b", 1),
    ]
    assert result.sections["encoding"]["unique_texts"] == 7
