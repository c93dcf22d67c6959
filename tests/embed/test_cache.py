"""The embedding cache stores float32 bytes by (model, sha256) and nothing else."""

from __future__ import annotations

import hashlib
import sqlite3

import numpy as np

from genjudge.embed import EmbeddingCache, text_key


def test_round_trip_and_namespacing(tmp_path):
    path = tmp_path / "e.sqlite"
    cache = EmbeddingCache(path)
    v = np.array([0.25, -1.5, 3.0], dtype=np.float32)
    cache.put_many("m1", [(text_key("hi"), v, 3)])
    assert text_key("hi") == hashlib.sha256(b"hi").hexdigest()
    got = cache.get_many("m1", [text_key("hi"), text_key("absent")])
    assert list(got) == [text_key("hi")]
    np.testing.assert_array_equal(got[text_key("hi")][0], v)
    assert got[text_key("hi")][1] == 3
    assert cache.get_many("m2", [text_key("hi")]) == {}  # another model never sees it
    cache.close()
    # The value on disk is the raw little-endian float32 bytes (12 bytes), not a pickle.
    blob = sqlite3.connect(path).execute("SELECT dim, vec FROM embeddings").fetchone()
    assert blob == (3, v.astype("<f4").tobytes())


def test_many_keys_cross_the_parameter_chunk(tmp_path):
    cache = EmbeddingCache(None)
    rows = [(text_key(str(i)), np.full(2, i, np.float32), 1) for i in range(2000)]
    cache.put_many("m", rows)
    got = cache.get_many("m", [k for k, _, _ in rows])
    assert len(got) == 2000 and got[text_key("1999")][0][0] == 1999.0
