"""The baseline: every table genjudge 0.1 made with ``create_all``, exactly as it made them.

A store written before migrations existed has some of these tables and no ``alembic_version``
table; upgrading it runs this revision, which keeps every table already there (and its rows),
checks that its columns are the ones expected, and creates the tables that are missing.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _runs() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("set_fingerprint", sa.String(64), nullable=False),
        sa.Column("inputs_hash", sa.String(64), nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("report", sa.Text, nullable=False),
    )
    op.create_index("ix_runs_set_fingerprint", "runs", ["set_fingerprint"])
    op.create_index("ix_runs_inputs_hash", "runs", ["inputs_hash"])


def _examples() -> None:
    op.create_table(
        "examples",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )


def _attempts() -> None:
    op.create_table(
        "attempts",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("pid", sa.Integer),
        sa.Column("host", sa.String(200)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
    )


def _monitor_files() -> None:
    op.create_table(
        "monitor_files",
        sa.Column("monitor", sa.String(200), primary_key=True),
        sa.Column("path", sa.String(1000), primary_key=True),
        sa.Column("offset", sa.Integer, nullable=False),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.Column("prefix_sha256", sa.String(64), nullable=False),
    )


def _monitor_items() -> None:
    op.create_table(
        "monitor_items",
        sa.Column("monitor", sa.String(200), primary_key=True),
        sa.Column("item_id", sa.String(200), primary_key=True),
        sa.Column("timestamp", sa.String(40), nullable=False),
        sa.Column("window_start", sa.String(40), nullable=False),
        sa.Column("source", sa.String(1100), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("label", sa.Text),
        sa.Column("label_error", sa.Text),
    )
    op.create_index("ix_monitor_items_window_start", "monitor_items", ["window_start"])


def _monitor_windows() -> None:
    op.create_table(
        "monitor_windows",
        sa.Column("monitor", sa.String(200), primary_key=True),
        sa.Column("start", sa.String(40), primary_key=True),
        sa.Column("end", sa.String(40), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("computed_at", sa.String(40), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
    )


def _monitor_metrics() -> None:
    op.create_table(
        "monitor_metrics",
        sa.Column("monitor", sa.String(200), nullable=False),
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
    op.create_index("ix_monitor_metrics_monitor", "monitor_metrics", ["monitor"])


def _monitor_drift() -> None:
    op.create_table(
        "monitor_drift",
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("start", sa.String(40), nullable=False),
        sa.Column("end", sa.String(40), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_monitor_drift_monitor", "monitor_drift", ["monitor"])


def _judge_validations() -> None:
    op.create_table(
        "judge_validations",
        sa.Column("decision_id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("judge_provider", sa.String(64), nullable=False),
        sa.Column("judge_model", sa.String(256), nullable=False),
        sa.Column("rubric_id", sa.String(256), nullable=False),
        sa.Column("rubric_version", sa.String(64), nullable=False),
        sa.Column("sample_fingerprint", sa.String(64), nullable=False),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_index("ix_judge_validations_created_at", "judge_validations", ["created_at"])
    op.create_index(
        "ix_judge_validations_key",
        "judge_validations",
        ["judge_provider", "judge_model", "rubric_id", "rubric_version"],
    )


# Table -> (its columns, what creates it), in creation order (examples refers to runs).
TABLES: dict[str, tuple[tuple[str, ...], Callable[[], None]]] = {
    "runs": (
        ("run_id", "created_at", "name", "task", "set_fingerprint", "inputs_hash", "record", "report"),
        _runs,
    ),
    "examples": (("run_id", "position", "item_id", "status", "data"), _examples),
    "attempts": (("run_id", "started_at", "name", "task", "pid", "host", "status", "note"), _attempts),
    "monitor_files": (("monitor", "path", "offset", "lines", "prefix_sha256"), _monitor_files),
    "monitor_items": (
        ("monitor", "item_id", "timestamp", "window_start", "source", "data", "label", "label_error"),
        _monitor_items,
    ),
    "monitor_windows": (
        ("monitor", "start", "end", "content_hash", "computed_at", "summary"),
        _monitor_windows,
    ),
    "monitor_metrics": (
        (
            "monitor",
            "start",
            "end",
            "metric",
            "subject",
            "label",
            "slice_column",
            "slice_value",
            "value",
            "n",
            "ci_low",
            "ci_high",
            "ci_method",
        ),
        _monitor_metrics,
    ),
    "monitor_drift": (("monitor", "start", "end", "data"), _monitor_drift),
    "judge_validations": (
        (
            "decision_id",
            "created_at",
            "judge_provider",
            "judge_model",
            "rubric_id",
            "rubric_version",
            "sample_fingerprint",
            "accepted",
            "level",
            "record",
        ),
        _judge_validations,
    ),
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for name, (columns, create) in TABLES.items():
        if not inspector.has_table(name):
            create()
            continue
        # A table made by genjudge 0.1: adopted as it is, rows and all, if it is the one expected.
        found = {c["name"] for c in inspector.get_columns(name)}
        if found != set(columns):
            raise RuntimeError(
                f"the store's table {name!r} is not one genjudge made: it has the columns "
                f"{sorted(found)}, expected {sorted(columns)}"
            )


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
