"""A run record for tests that store or compare runs by hand (no run behind it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from genjudge.records import RunRecord, TaskKind


def stub_record(run_id: str = "r1", *, task: TaskKind = TaskKind.GENERATION, **fields: Any) -> RunRecord:
    """A record with placeholder provenance: ``fields`` override any of its fields."""
    values: dict[str, Any] = {
        "run_id": run_id,
        "created_at": datetime.now(UTC),
        "genjudge_version": "0",
        "git_revision": None,
        "python_version": "3",
        "task": task,
        "set_fingerprint": "f",
        "inputs_hash": "h",
        "config": {},
        "seed": 0,
    }
    return RunRecord(**(values | fields))
