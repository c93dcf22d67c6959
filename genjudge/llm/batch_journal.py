"""The journal of submitted provider batches: a SQLite table beside the judge cache.

A batch is written down before it is sent (state ``submitting``, with its ``custom_id -> cache key``
mapping) and its provider id is recorded the moment the provider returns it (state ``open``),
before any wait. A process killed while the batch runs (SIGKILL included) leaves the row ``open``;
the same command run again finds the batch that covers its missing calls and polls it instead of
sending another. A batch whose results were read is ``done``.

The one window left: a process killed between the provider accepting the batch and the id being
committed (one HTTP answer) leaves a ``submitting`` row with no id; its calls are batched again on
the next run (the orphaned batch is billed, and visible in the provider's console).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from genjudge.llm.cache import open_cache_db

__all__ = ["BatchJournal", "JournaledBatch"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS batches (row INTEGER PRIMARY KEY, provider TEXT NOT NULL, "
    "model TEXT NOT NULL, batch_id TEXT, state TEXT NOT NULL, items TEXT NOT NULL, "
    "created_at REAL NOT NULL, updated_at REAL NOT NULL, note TEXT)"
)


@dataclass(frozen=True)
class JournaledBatch:
    """One open batch: its provider id and its ``custom_id -> cache key`` mapping."""

    row: int
    batch_id: str
    items: dict[str, str]


class BatchJournal:
    """The ``batches`` table of one SQLite file (``<cache>-batches.sqlite`` by default)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db = open_cache_db(self.path, _SCHEMA)

    def begin(self, provider: str, model: str, items: dict[str, str]) -> int:
        """Record a batch about to be sent; returns its row."""
        now = time.time()
        cur = self._db.execute(
            "INSERT INTO batches (provider, model, batch_id, state, items, created_at, updated_at) "
            "VALUES (?, ?, NULL, 'submitting', ?, ?, ?)",
            (provider, model, json.dumps(items, sort_keys=True), now, now),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def submitted(self, row: int, batch_id: str) -> None:
        """The provider accepted the batch as ``batch_id``: from now on a re-run resumes it."""
        self._set(row, "open", batch_id=batch_id)

    def dropped(self, row: int, note: str) -> None:
        """The batch was never accepted (``note`` says why)."""
        self._set(row, "failed", note=note)

    def done(self, row: int, note: str) -> None:
        """The batch's results were read (``note``: its final status)."""
        self._set(row, "done", note=note)

    def open_batches(self, provider: str, model: str) -> list[JournaledBatch]:
        """The batches of ``provider/model`` sent and not yet read, oldest first."""
        rows = self._db.execute(
            "SELECT row, batch_id, items FROM batches WHERE provider = ? AND model = ? AND state = 'open' "
            "ORDER BY row",
            (provider, model),
        ).fetchall()
        return [JournaledBatch(r[0], r[1], json.loads(r[2])) for r in rows]

    def states(self) -> dict[str, int]:
        """How many batches are in each state (for tests and diagnostics)."""
        rows = self._db.execute("SELECT state, COUNT(*) FROM batches GROUP BY state").fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def _set(self, row: int, state: str, *, batch_id: str | None = None, note: str | None = None) -> None:
        self._db.execute(
            "UPDATE batches SET state = ?, batch_id = COALESCE(?, batch_id), note = COALESCE(?, note), "
            "updated_at = ? WHERE row = ?",
            (state, batch_id, note, time.time(), row),
        )

    def close(self) -> None:
        self._db.close()
