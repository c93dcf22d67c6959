"""The judge-call cache: JSON values in SQLite, keyed by a sha256 of canonical JSON.

The key covers everything that changes the output (provider, model, the provider's identity:
its endpoint and structured-output setting, or its GGUF file and context length; messages,
parameters, rubric id and version, sample index); see :func:`cache_key`. Each answer is committed as soon as it
arrives, so a run killed at any point resumes with every finished call already cached and makes
each missing call exactly once. Only answers are cached, never failures: a re-run retries them.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from genjudge.io.canonical import canonical_json, sha256_text

__all__ = ["CallCache", "cache_key", "canonical_json"]


def cache_key(parts: dict[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of ``parts``."""
    return sha256_text(canonical_json(parts))


class CallCache:
    """A SQLite table ``calls(key, value, created_at)``; ``value`` is a JSON document."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Lookups and writes are sub-millisecond, so they run on the event loop's thread:
        # a thread hop would cost more than the query.
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process (only power loss can drop the last commits).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at REAL)"
        )

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT value FROM calls WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO calls (key, value, created_at) VALUES (?, ?, ?)",
            (key, canonical_json(value), time.time()),
        )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        self._db.close()
