"""The judge-call cache: JSON values in SQLite, keyed by a sha256 of canonical JSON.

The key covers everything that changes the output (provider, model, the provider's identity:
its endpoint and structured-output setting, or its GGUF file and context length; messages,
parameters, rubric id and version, sample index); see :func:`cache_key`. Each answer is committed as soon as it
arrives, so a run killed at any point resumes with every finished call already cached and makes
each missing call exactly once. Only answers are cached, never failures: a re-run retries them.

A damaged cache file (truncated, overwritten, not SQLite) does not block the run: it is moved
aside as ``<name>.damaged-<time>``, a warning names both files, and an empty cache is built in its
place (:func:`open_cache_db`, shared with the embedding cache). A row that does not decode is a miss.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from genjudge.io.canonical import canonical_json, sha256_text

__all__ = ["CallCache", "cache_key", "canonical_json", "open_cache_db"]

log = logging.getLogger("genjudge")


def open_cache_db(path: Path, schema: str, *, wal: bool = True) -> sqlite3.Connection:
    """A connection to the cache file ``path`` with ``schema`` created; a damaged file is moved
    aside (with a warning naming it) and rebuilt empty."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(2):
        db = None
        try:
            db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            db.execute("PRAGMA journal_mode=WAL" if wal else "PRAGMA journal_mode=DELETE")
            # NORMAL in WAL mode survives a killed process (only power loss can drop the last commits).
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(schema)
            return db
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            if attempt:
                raise
            aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(path) + suffix)
                if src.exists():
                    src.replace(Path(str(aside) + suffix))
            log.warning(
                "warning: the cache %s is damaged (%s); moved it to %s and started an empty one",
                path,
                exc,
                aside,
            )
    raise AssertionError("unreachable")  # pragma: no cover


def cache_key(parts: dict[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of ``parts``."""
    return sha256_text(canonical_json(parts))


class CallCache:
    """A SQLite table ``calls(key, value, created_at)``; ``value`` is a JSON document."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # Lookups and writes are sub-millisecond, so they run on the event loop's thread:
        # a thread hop would cost more than the query.
        self._db = open_cache_db(
            self.path,
            "CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at REAL)",
        )

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT value FROM calls WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            value = json.loads(row[0])
        except ValueError:
            return None  # a damaged row: asked again, and replaced
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO calls (key, value, created_at) VALUES (?, ?, ?)",
            (key, canonical_json(value), time.time()),
        )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        self._db.close()
