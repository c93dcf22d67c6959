"""A persistent embedding cache: SQLite rows keyed by (model id, sha256 of the text).

Values are raw little-endian float32 bytes plus the dimension, never pickles, so the file can be
read by any SQLite client and a corrupt or foreign row fails loudly instead of executing code.
The token count of each text (or, for a text too short to be cut, an upper bound under the limit)
is stored too, so a fully cached re-run can still state how many texts were truncated without
running the tokenizer.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["EmbeddingCache", "text_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    key TEXT NOT NULL,
    dim INTEGER NOT NULL,
    n_tokens INTEGER NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (model, key)
) WITHOUT ROWID
"""
# SQLite's default limit on host parameters is 999 in old builds; stay under it.
_CHUNK = 900


def text_key(text: str) -> str:
    """sha256 hex digest of the UTF-8 text (the exact string that is encoded)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Embeddings by (model id, text key). ``path=None`` keeps them in memory only.

    Thread-safe: the check encodes in a worker thread, and one connection is shared under a lock.
    """

    def __init__(self, path: str | Path | None) -> None:
        self.path = None if path is None else Path(path)
        self._lock = threading.Lock()
        if self.path is not None:
            from genjudge.llm.cache import open_cache_db

            # A damaged file is moved aside with a warning and rebuilt (see open_cache_db).
            self._conn = open_cache_db(self.path, _SCHEMA)
            # Transactions as before: `with conn:` commits. "" is sqlite3's documented default level,
            # which typeshed's Literal omits.
            self._conn.isolation_level = ""  # type: ignore[assignment]
            return
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        with self._lock, self._conn:
            self._conn.execute("PRAGMA journal_mode=MEMORY")
            self._conn.execute(_SCHEMA)

    def get_many(self, model: str, keys: Sequence[str]) -> dict[str, tuple[np.ndarray, int]]:
        """The cached (vector, n_tokens) of every key that is present."""
        found: dict[str, tuple[np.ndarray, int]] = {}
        with self._lock:
            for start in range(0, len(keys), _CHUNK):
                chunk = list(keys[start : start + _CHUNK])
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, dim, n_tokens, vec FROM embeddings WHERE model = ? AND key IN ({marks})",
                    [model, *chunk],
                ).fetchall()
                for key, dim, n_tokens, blob in rows:
                    if not isinstance(blob, bytes) or len(blob) % 4:
                        continue  # a damaged row is a miss: encoded again and replaced
                    vec = np.frombuffer(blob, dtype="<f4")
                    if vec.shape[0] != dim:
                        continue
                    found[key] = (vec, int(n_tokens))
        return found

    def put_many(self, model: str, items: Iterable[tuple[str, np.ndarray, int]]) -> None:
        """Store (key, vector, n_tokens) rows in one transaction; an existing row is replaced."""
        rows = [
            (model, key, int(vec.shape[0]), int(n_tokens), np.ascontiguousarray(vec, dtype="<f4").tobytes())
            for key, vec, n_tokens in items
        ]
        with self._lock, self._conn:
            self._conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?, ?)", rows)

    def count(self, model: str | None = None) -> int:
        """Number of cached rows (for one model, or all)."""
        with self._lock:
            if model is None:
                return int(self._conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
            sql = "SELECT COUNT(*) FROM embeddings WHERE model = ?"
            return int(self._conn.execute(sql, (model,)).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
