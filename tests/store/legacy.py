"""The store as genjudge made it before migrations (main at 90aa1ab): ``create_all`` on these
tables, no ``alembic_version`` table. The definitions are frozen copies of that code (from
genjudge/store/runs.py, genjudge/store/windows.py and genjudge/validation/store.py), so that this
fixture stays the old DDL whatever the package's tables become."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

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
attempts = sa.Table(
    "attempts",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("name", sa.String(200)),
    sa.Column("task", sa.String(32), nullable=False),
    sa.Column("pid", sa.Integer),
    sa.Column("host", sa.String(200)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("note", sa.Text),
)

monitor = sa.MetaData()
monitor_files = sa.Table(
    "monitor_files",
    monitor,
    sa.Column("monitor", sa.String(200), primary_key=True),
    sa.Column("path", sa.String(1000), primary_key=True),
    sa.Column("offset", sa.Integer, nullable=False),
    sa.Column("lines", sa.Integer, nullable=False),
    sa.Column("prefix_sha256", sa.String(64), nullable=False),
)
monitor_items = sa.Table(
    "monitor_items",
    monitor,
    sa.Column("monitor", sa.String(200), primary_key=True),
    sa.Column("item_id", sa.String(200), primary_key=True),
    sa.Column("timestamp", sa.String(40), nullable=False),
    sa.Column("window_start", sa.String(40), nullable=False, index=True),
    sa.Column("source", sa.String(1100), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("label", sa.Text),
    sa.Column("label_error", sa.Text),
)
monitor_windows = sa.Table(
    "monitor_windows",
    monitor,
    sa.Column("monitor", sa.String(200), primary_key=True),
    sa.Column("start", sa.String(40), primary_key=True),
    sa.Column("end", sa.String(40), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("computed_at", sa.String(40), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
)
monitor_metrics = sa.Table(
    "monitor_metrics",
    monitor,
    sa.Column("monitor", sa.String(200), nullable=False, index=True),
    sa.Column("start", sa.String(40), nullable=False),
    sa.Column("end", sa.String(40), nullable=False),
    sa.Column("metric", sa.String(100), nullable=False),
    sa.Column("subject", sa.String(100), nullable=False),
    sa.Column("label", sa.String(200)),
    sa.Column("slice_column", sa.String(200)),
    sa.Column("slice_value", sa.String(200)),
    sa.Column("value", sa.Float),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("ci_low", sa.Float),
    sa.Column("ci_high", sa.Float),
    sa.Column("ci_method", sa.String(40)),
)
monitor_drift = sa.Table(
    "monitor_drift",
    monitor,
    sa.Column("monitor", sa.String(200), nullable=False, index=True),
    sa.Column("start", sa.String(40), nullable=False),
    sa.Column("end", sa.String(40), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)

validation = sa.MetaData()
judge_validations = sa.Table(
    "judge_validations",
    validation,
    sa.Column("decision_id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("judge_provider", sa.String(64), nullable=False),
    sa.Column("judge_model", sa.String(256), nullable=False),
    sa.Column("rubric_id", sa.String(256), nullable=False),
    sa.Column("rubric_version", sa.String(64), nullable=False),
    sa.Column("sample_fingerprint", sa.String(64), nullable=False),
    sa.Column("accepted", sa.Boolean, nullable=False),
    sa.Column("level", sa.String(32), nullable=False),
    sa.Column("record", sa.Text, nullable=False),
    sa.Index("ix_judge_validations_key", "judge_provider", "judge_model", "rubric_id", "rubric_version"),
)


def everything() -> sa.MetaData:
    """The old tables, all in one MetaData."""
    merged = sa.MetaData()
    for group in (metadata, monitor, validation):
        for table in group.tables.values():
            table.to_metadata(merged)
    return merged


def make_legacy_store(
    url: str, *, with_monitor: bool = True, with_validation: bool = False
) -> dict[str, int]:
    """Create the old tables the way the old code did and fill them; returns rows per table.

    The old code created each group of tables on first use, so a real old store may lack the
    monitor's or the validation's tables: ``with_monitor`` / ``with_validation`` choose.
    """
    engine = sa.create_engine(url)
    groups = [metadata] + ([monitor] if with_monitor else []) + ([validation] if with_validation else [])
    for group in groups:
        group.create_all(engine)
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC).isoformat()
    rows: dict[str, list[dict[str, object]]] = {
        "runs": [
            {
                "run_id": f"run{i}",
                "created_at": now,
                "name": f"old run {i}",
                "task": "classification",
                "set_fingerprint": "f" * 64,
                "inputs_hash": f"{i:064d}",
                "record": json.dumps({"run_id": f"run{i}"}),
                "report": json.dumps({"counts": {"items": 3}, "headline": {"agreement": 0.5 + i / 10}}),
            }
            for i in range(3)
        ],
        "examples": [
            {
                "run_id": f"run{i}",
                "position": p,
                "item_id": f"t-{p}",
                "status": "ok",
                "data": json.dumps({"id": p}),
            }
            for i in range(3)
            for p in range(3)
        ],
        "attempts": [
            {
                "run_id": "gone",
                "started_at": now,
                "name": None,
                "task": "generation",
                "pid": 1,
                "host": "elsewhere",
                "status": "interrupted",
                "note": "SIGINT",
            }
        ],
    }
    if with_monitor:
        rows["monitor_items"] = [
            {
                "monitor": "m",
                "item_id": f"i{k}",
                "timestamp": now,
                "window_start": now,
                "source": "traffic.jsonl:1",
                "data": "{}",
                "label": None,
                "label_error": None,
            }
            for k in range(4)
        ]
        rows["monitor_files"] = [
            {"monitor": "m", "path": "traffic.jsonl", "offset": 120, "lines": 4, "prefix_sha256": "0" * 64}
        ]
    if with_validation:
        rows["judge_validations"] = [
            {
                "decision_id": "d1",
                "created_at": datetime(2026, 11, 30, tzinfo=UTC),
                "judge_provider": "openai",
                "judge_model": "m",
                "rubric_id": "r",
                "rubric_version": "1",
                "sample_fingerprint": "s",
                "accepted": True,
                "level": "accepted",
                "record": "{}",
            }
        ]
    tables = {t.name: t for group in groups for t in group.tables.values()}
    with engine.begin() as conn:
        for name, batch in rows.items():
            conn.execute(tables[name].insert(), batch)
    engine.dispose()
    return {name: len(batch) for name, batch in rows.items()}
