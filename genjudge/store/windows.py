"""The monitor's tables, in the same database as the runs: ingested files, traffic items, windows.

Each monitor (named in its config) keeps

- ``monitor_files``: per traffic file, how far it was read (bytes, lines) and the sha256 of that
  prefix, so a re-run reads only what was appended (and notices a file rewritten in place);
- ``monitor_items``: every ingested record (JSON), its window and its label once labelled;
- ``monitor_windows``: per window, the hash of everything its numbers depend on (so an unchanged
  window is not recomputed) and its summary;
- ``monitor_metrics`` and ``monitor_drift``: the window's sliced metrics and drift statistics, the
  history a trend is drawn from.

The tables are made by the store's migrations (:mod:`genjudge.store.migrate`). Everything one invocation learnt is written in one transaction.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from genjudge.errors import StoreError
from genjudge.store.runs import open_engine

__all__ = ["WindowStore"]

metadata = sa.MetaData()

files = sa.Table(
    "monitor_files",
    metadata,
    sa.Column("monitor", sa.Text, primary_key=True),
    sa.Column("path", sa.Text, primary_key=True),
    sa.Column("offset", sa.Integer, nullable=False),
    sa.Column("lines", sa.Integer, nullable=False),
    sa.Column("prefix_sha256", sa.String(64), nullable=False),
)

items = sa.Table(
    "monitor_items",
    metadata,
    sa.Column("monitor", sa.Text, primary_key=True),
    sa.Column("item_id", sa.Text, primary_key=True),
    sa.Column("timestamp", sa.String(40), nullable=False),
    sa.Column("window_start", sa.String(40), nullable=False, index=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("label", sa.Text),
    sa.Column("label_error", sa.Text),
)

windows = sa.Table(
    "monitor_windows",
    metadata,
    sa.Column("monitor", sa.Text, primary_key=True),
    sa.Column("start", sa.String(40), primary_key=True),
    sa.Column("end", sa.String(40), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("computed_at", sa.String(40), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
)

metrics = sa.Table(
    "monitor_metrics",
    metadata,
    sa.Column("monitor", sa.Text, nullable=False, index=True),
    sa.Column("start", sa.String(40), nullable=False),
    sa.Column("end", sa.String(40), nullable=False),
    sa.Column("metric", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("label", sa.Text),
    sa.Column("slice_column", sa.Text),
    sa.Column("slice_value", sa.Text),
    sa.Column("value", sa.Float),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("ci_low", sa.Float),
    sa.Column("ci_high", sa.Float),
    sa.Column("ci_method", sa.String(40)),
)

drift = sa.Table(
    "monitor_drift",
    metadata,
    sa.Column("monitor", sa.Text, nullable=False, index=True),
    sa.Column("start", sa.String(40), nullable=False),
    sa.Column("end", sa.String(40), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)


class WindowStore:
    """Read and write one monitor's rows. The engine (and the tables) are made on first use."""

    def __init__(self, url: str, monitor: str) -> None:
        self.url = url
        self.monitor = monitor
        self._engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = open_engine(self.url, metadata)
        return self._engine

    def _rows(self, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            query = sa.select(table).where(table.c.monitor == self.monitor, *where)
            return [dict(r._mapping) for r in conn.execute(query)]

    def files(self) -> dict[str, dict[str, Any]]:
        """Ingest state per file path."""
        return {r["path"]: r for r in self._rows(files)}

    def items(self) -> list[dict[str, Any]]:
        """Every ingested item, oldest first (ties by id)."""
        return sorted(self._rows(items), key=lambda r: (r["timestamp"], r["item_id"]))

    def windows(self) -> dict[str, dict[str, Any]]:
        return {r["start"]: r for r in self._rows(windows)}

    def metrics(self) -> list[dict[str, Any]]:
        return self._rows(metrics)

    def drift(self) -> list[dict[str, Any]]:
        return [{**json.loads(r["data"]), "start": r["start"], "end": r["end"]} for r in self._rows(drift)]

    def save(
        self,
        *,
        file_states: list[dict[str, Any]],
        new_items: list[dict[str, Any]],
        labels: dict[str, tuple[str | None, str | None]],
        computed: list[dict[str, Any]],
    ) -> None:
        """Write one invocation's work in one transaction.

        ``labels``: item id -> (label JSON, error). ``computed``: per recomputed window, its row
        (start, end, content_hash, computed_at, summary) plus ``metrics`` and ``drift`` lists,
        which replace the window's earlier rows.
        """
        m = self.monitor
        try:
            with self.engine.begin() as conn:
                for state in file_states:
                    conn.execute(files.delete().where(files.c.monitor == m, files.c.path == state["path"]))
                    conn.execute(files.insert().values(monitor=m, **state))
                if new_items:
                    conn.execute(items.insert(), [{"monitor": m, **row} for row in new_items])
                for item_id, (label, error) in labels.items():
                    conn.execute(
                        items.update()
                        .where(items.c.monitor == m, items.c.item_id == item_id)
                        .values(label=label, label_error=error)
                    )
                for w in computed:
                    for table in (windows, metrics, drift):
                        conn.execute(table.delete().where(table.c.monitor == m, table.c.start == w["start"]))
                    row = {k: w[k] for k in ("start", "end", "content_hash", "computed_at")}
                    conn.execute(windows.insert().values(monitor=m, summary=json.dumps(w["summary"]), **row))
                    span = {"monitor": m, "start": w["start"], "end": w["end"]}
                    if w["metrics"]:
                        conn.execute(metrics.insert(), [{**span, **r} for r in w["metrics"]])
                    if w["drift"]:
                        conn.execute(drift.insert(), [{**span, "data": json.dumps(d)} for d in w["drift"]])
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot write the monitor {m!r} to the store: {exc}") from None
