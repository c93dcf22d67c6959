"""Runs and their per-example rows, in SQL through SQLAlchemy Core.

A run is committed once, in one transaction, at its end. Before scoring starts, an *attempt* row
records that the run began (time, process id, host); the final commit removes it in the same
transaction. An attempt left behind is a run that did not finish: ``runs list`` shows it as
``interrupted`` (SIGINT / SIGTERM, recorded as such), ``failed`` (stopped with an error) or, when
its process is gone without a word (kill -9, a crash), ``killed``. SQLite waits up to
``BUSY_TIMEOUT_S`` for a lock, and a commit that still finds the file locked is retried.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

import pandas as pd
import sqlalchemy as sa

from genjudge.errors import StoreError
from genjudge.records import RunRecord
from genjudge.store import frames
from genjudge.store.locate import sqlite_path

metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("name", sa.Text),
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
    sa.Column("item_id", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)


attempts = sa.Table(
    "attempts",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("task", sa.String(32), nullable=False),
    sa.Column("pid", sa.Integer),
    sa.Column("host", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("note", sa.Text),
)

INSERT_BATCH = 10_000
"""Per-example rows sent to the database in one statement."""
BUSY_TIMEOUT_S = 30.0
"""How long a SQLite connection waits for another writer's lock before it reports "locked"."""
COMMIT_RETRIES = 5


def example_rows(table: pd.DataFrame, statuses: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    """The stored form of a per-example table: ``(item id, status, JSON of the row)``, secrets scrubbed."""
    from genjudge.redact import scrub

    # One JSON document per row, straight from pandas (no decode / re-encode round trip).
    # Split on "\n" only: JSON escapes newlines in strings, but not U+2028, which splitlines() would cut at.
    text = table.to_json(orient="records", lines=True, force_ascii=False, default_handler=str)
    lines = text.rstrip("\n").split("\n") if len(table) else []
    ids = table["id"].astype(str).tolist()
    return zip(ids, statuses, (scrub(line) for line in lines), strict=True)


def check_url(url: str) -> None:
    """Refuse a URL whose dialect or driver is not installed, before anything is written."""
    from genjudge.redact import redact

    try:
        sa.create_engine(url).dispose()
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        raise StoreError(
            f"cannot use the store {redact(url)}: {type(exc).__name__}: {exc} "
            "(is the database driver installed?)"
        ) from None


def open_engine(url: str, tables: sa.MetaData | None = None) -> sa.Engine:
    """An engine on ``url`` whose schema is brought to the newest revision
    (:func:`genjudge.store.migrate.upgrade`); a SQLite file waits up to ``BUSY_TIMEOUT_S`` for a
    lock, and its folder is made. Failures are a StoreError.

    ``tables``, the caller's own: each must exist once migrated. The migrations make every table
    (never ``create_all``), so a table no revision makes is refused here, naming what to add.
    """
    from genjudge.redact import redact
    from genjudge.store.migrate import upgrade

    path = sqlite_path(url)
    try:
        args = {"timeout": BUSY_TIMEOUT_S} if path is not None else {}
        engine = sa.create_engine(url, connect_args=args)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    except (sa.exc.SQLAlchemyError, ImportError, OSError) as exc:
        raise StoreError(f"cannot open the store {redact(url)}: {exc}") from None
    try:
        upgrade(engine)
        if tables is not None:
            found = set(sa.inspect(engine).get_table_names())
            missing = sorted(set(tables.tables) - found)
            if missing:
                raise StoreError(
                    f"the store {redact(url)} has no table {', '.join(missing)}: no migration makes it; "
                    "add a revision file (genjudge/store/migrations/README.md)"
                )
    except StoreError:
        engine.dispose()
        raise
    return engine


class RunStore:
    """Read and write runs. Cheap to build; the engine is created lazily.

    ``create=False`` (the reading commands) refuses a SQLite file that does not exist instead of
    creating an empty one.
    """

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.create = create
        self._engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            path = sqlite_path(self.url)
            if path is not None and not self.create and not path.is_file():
                raise StoreError(f"no store at {path} (no run has been stored there yet)")
            self._engine = open_engine(self.url, metadata)
        return self._engine

    def _retrying(self, work: Any) -> Any:
        """Run ``work(conn)`` in one transaction, retried while the database is locked; any
        other database error (a value the column refuses, a lost connection) is a StoreError."""
        from genjudge.redact import redact

        for attempt in range(COMMIT_RETRIES):
            try:
                with self.engine.begin() as conn:
                    return work(conn)
            except sa.exc.OperationalError as exc:
                locked = "locked" in str(exc) or "busy" in str(exc)
                if not locked or attempt == COMMIT_RETRIES - 1:
                    raise StoreError(f"cannot write to the store {redact(self.url)}: {exc.orig}") from None
                time.sleep(0.5 * 2**attempt)
            except sa.exc.SQLAlchemyError as exc:
                reason = getattr(exc, "orig", None) or exc
                raise StoreError(f"cannot write to the store {redact(self.url)}: {reason}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def begin_attempt(self, run_id: str, started_at: datetime, name: str | None, task: str) -> None:
        """Record that a run started (removed when the run is saved)."""
        row = {
            "run_id": run_id,
            "started_at": started_at.isoformat(),
            "name": name,
            "task": task,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "status": "running",
            "note": None,
        }
        self._retrying(lambda conn: conn.execute(attempts.insert(), row))

    def end_attempt(self, run_id: str, status: str, note: str | None) -> None:
        """Mark an unfinished run ``interrupted`` or ``failed`` with what happened."""
        query = attempts.update().where(attempts.c.run_id == run_id).values(status=status, note=note)
        self._retrying(lambda conn: conn.execute(query))

    def unfinished(self, limit: int = 50) -> list[dict[str, Any]]:
        """Runs that started and were never saved, newest first, with their state."""
        query = sa.select(attempts).order_by(attempts.c.started_at.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        for r in rows:
            if r["status"] == "running" and r["host"] == socket.gethostname() and not _alive(r["pid"]):
                r["status"] = "killed"
                r["note"] = r["note"] or "the process ended without finishing (killed or crashed)"
        return rows

    def save(
        self,
        record: RunRecord,
        report: dict[str, Any],
        table: pd.DataFrame,
        statuses: list[str],
        *,
        attempt_id: str | None = None,
    ) -> None:
        """Store a run with its report and per-example rows, in one transaction (retried while
        the database is locked); the run's attempt mark, if any, is removed in the same one."""
        rows = list(example_rows(table, statuses))
        self.save_rows(record, report, lambda: rows, attempt_id=attempt_id)

    def save_rows(
        self,
        record: RunRecord,
        report: dict[str, Any],
        rows: Callable[[], Iterable[tuple[str, str, str]]],
        *,
        attempt_id: str | None = None,
    ) -> None:
        """:meth:`save` with the per-example rows as ``(item id, status, JSON)`` in set order, from
        ``rows()`` (called again when the transaction is retried), inserted ``INSERT_BATCH`` at a
        time: a streamed run's rows are read back from a file, never all in memory."""
        from genjudge.redact import scrub

        def work(conn: Any) -> None:
            conn.execute(
                runs.insert(),
                {
                    "run_id": record.run_id,
                    "created_at": record.created_at.isoformat(),
                    "name": record.config.get("name"),
                    "task": record.task.value,
                    "set_fingerprint": record.set_fingerprint,
                    "inputs_hash": record.inputs_hash,
                    "record": scrub(record.model_dump_json()),
                    "report": scrub(json.dumps(report, ensure_ascii=False)),
                },
            )
            numbered = enumerate(rows())
            while batch := list(islice(numbered, INSERT_BATCH)):
                conn.execute(
                    examples.insert(),
                    [
                        {
                            "run_id": record.run_id,
                            "position": i,
                            "item_id": item,
                            "status": status,
                            "data": data,
                        }
                        for i, (item, status, data) in batch
                    ],
                )
            conn.execute(attempts.delete().where(attempts.c.run_id == (attempt_id or record.run_id)))

        self._retrying(work)

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
                        "state": (report.get("outcome", {}).get("status") == "failed" and "failed") or "done",
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
        """The per-example rows of a run, in set order: read from a streamed cursor and made into the
        table a batch at a time (:func:`~genjudge.store.frames.rows_frame`), so the peak is about the
        table's size, not every row's dict beside it."""
        query = sa.select(examples.c.data).where(examples.c.run_id == run_id).order_by(examples.c.position)
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=frames.BATCH).execute(query)
            return frames.rows_frame(json.loads(d) for (d,) in result)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
