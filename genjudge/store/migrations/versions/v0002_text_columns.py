"""Columns that hold the user's text become TEXT: run and monitor names, item ids, paths, slice
values, judge models and rubric ids.

They were VARCHAR(n): SQLite ignores the length, PostgreSQL enforces it, so on PostgreSQL a run
with a 201-character item id was scored and then could not be stored. On PostgreSQL this is an
ALTER COLUMN ... TYPE text (no rewrite); on SQLite the table is rebuilt with its rows (batch mode).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# table -> [(column, its former VARCHAR length, nullable)]
WIDENED: dict[str, list[tuple[str, int, bool]]] = {
    "runs": [("name", 200, True)],
    "examples": [("item_id", 200, False)],
    "attempts": [("name", 200, True), ("host", 200, True)],
    "monitor_files": [("monitor", 200, False), ("path", 1000, False)],
    "monitor_items": [("monitor", 200, False), ("item_id", 200, False), ("source", 1100, False)],
    "monitor_windows": [("monitor", 200, False)],
    "monitor_metrics": [
        ("monitor", 200, False),
        ("metric", 100, False),
        ("subject", 100, False),
        ("label", 200, True),
        ("slice_column", 200, True),
        ("slice_value", 200, True),
    ],
    "monitor_drift": [("monitor", 200, False)],
    "judge_validations": [
        ("judge_provider", 64, False),
        ("judge_model", 256, False),
        ("rubric_id", 256, False),
        ("rubric_version", 64, False),
    ],
}


def upgrade() -> None:
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, length, nullable in columns:
                batch.alter_column(
                    column, type_=sa.Text(), existing_type=sa.String(length), existing_nullable=nullable
                )


def downgrade() -> None:
    # Fails, changing nothing, if a value no longer fits its former length.
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, length, nullable in columns:
                batch.alter_column(
                    column, type_=sa.String(length), existing_type=sa.Text(), existing_nullable=nullable
                )
