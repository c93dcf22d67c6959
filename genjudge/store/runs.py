"""Runs and their per-example rows, in SQL through SQLAlchemy Core."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from genjudge.errors import StoreError
from genjudge.records import RunRecord

metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("name", sa.String(200)),
    sa.Column("task", sa.String(32), nullable=False),
    sa.Column("set_fingerprint", sa.String(64), nullable=False, index=True),
    sa.Column("inputs_hash", sa.String(64), nullable=False, index=True),
    sa.Column("record", sa.Text, nullable=False),
    sa.Column("report", sa.Text, nullable=False),
)

examples = sa.Table(
    "examples",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("item_id", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)


class RunStore:
    """Read and write runs. Cheap to build; the engine is created lazily."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            try:
                self._engine = sa.create_engine(self.url)
                metadata.create_all(self._engine)
            except sa.exc.SQLAlchemyError as exc:
                raise StoreError(f"cannot open the store {self.url}: {exc}") from None
        return self._engine

    def save(
        self, record: RunRecord, report: dict[str, Any], table: pd.DataFrame, statuses: list[str]
    ) -> None:
        """Store a run with its report and per-example rows, in one transaction."""
        # One JSON document per row, straight from pandas (no decode / re-encode round trip).
        # Split on "\n" only: JSON escapes newlines in strings, but not U+2028, which splitlines() would cut at.
        text = table.to_json(orient="records", lines=True, force_ascii=False, default_handler=str)
        lines = text.rstrip("\n").split("\n") if len(table) else []
        ids = table["id"].astype(str).tolist()
        with self.engine.begin() as conn:
            conn.execute(
                runs.insert(),
                {
                    "run_id": record.run_id,
                    "created_at": record.created_at.isoformat(),
                    "name": record.config.get("name"),
                    "task": record.task.value,
                    "set_fingerprint": record.set_fingerprint,
                    "inputs_hash": record.inputs_hash,
                    "record": record.model_dump_json(),
                    "report": json.dumps(report, ensure_ascii=False),
                },
            )
            if lines:
                conn.execute(
                    examples.insert(),
                    [
                        {
                            "run_id": record.run_id,
                            "position": i,
                            "item_id": ids[i],
                            "status": statuses[i],
                            "data": line,
                        }
                        for i, line in enumerate(lines)
                    ],
                )

    def find_same_inputs(self, inputs_hash: str) -> str | None:
        """The earliest run with identical inputs, if any."""
        query = (
            sa.select(runs.c.run_id)
            .where(runs.c.inputs_hash == inputs_hash)
            .order_by(runs.c.created_at)
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def list(self, limit: int = 50) -> list[dict[str, Any]]:
        """Newest runs first: id, time, name, task, fingerprint, and the headline numbers."""
        query = sa.select(runs).order_by(runs.c.created_at.desc()).limit(limit)
        with self.engine.connect() as conn:
            result = []
            for row in conn.execute(query).mappings():
                report = json.loads(row["report"])
                result.append(
                    {
                        "run_id": row["run_id"],
                        "created_at": row["created_at"],
                        "name": row["name"],
                        "task": row["task"],
                        "set_fingerprint": row["set_fingerprint"],
                        "items": report.get("counts", {}).get("items"),
                        "headline": report.get("headline", {}),
                    }
                )
            return result

    def get(self, run_id: str) -> tuple[RunRecord, dict[str, Any]]:
        """A run's record and report; a unique prefix of the id is enough."""
        query = sa.select(runs).where(runs.c.run_id.startswith(run_id, autoescape=True))
        with self.engine.connect() as conn:
            found = conn.execute(query).mappings().all()
        if not found:
            raise StoreError(f"no run {run_id!r} in {self.url}")
        if len(found) > 1:
            raise StoreError(f"{run_id!r} matches {len(found)} runs; give more of the id")
        row = found[0]
        return RunRecord.model_validate_json(row["record"]), json.loads(row["report"])

    def examples(self, run_id: str) -> pd.DataFrame:
        """The per-example rows of a run, in set order."""
        query = sa.select(examples.c.data).where(examples.c.run_id == run_id).order_by(examples.c.position)
        with self.engine.connect() as conn:
            return pd.DataFrame([json.loads(d) for (d,) in conn.execute(query)])
