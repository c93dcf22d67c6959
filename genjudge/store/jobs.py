"""The job queue of the HTTP service: runs submitted over HTTP, taken by workers from the store.

One table, ``jobs``, on the same store URL as the runs. A job is ``queued`` until a worker
*claims* it: the claim atomically takes the oldest queued job, or a running job whose lease has
expired (its worker died: SIGKILL, a crash, a lost machine), and sets a new lease. The worker
*heartbeats* while it works, which extends the lease and returns False once the job was cancelled
or taken over by another worker (its lease expired), so that it stops. Several workers, threads
or processes of several services, never hold the same job at once:

- PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` picks a row no other transaction holds;
- SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock before the candidate is read, and
  the conditional ``UPDATE`` is checked by its row count.

A job taken over after a crash runs again from its start; the judge cache (beside the job's
config) answers every call the dead worker had received, so nothing is paid twice.

The table is made by the store's migration ``0003`` (genjudge/store/migrations/versions/
v0003_jobs.py), which spells out these columns.
"""

from __future__ import annotations

import enum
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from genjudge.errors import StoreError
from genjudge.store.runs import COMMIT_RETRIES, open_engine, sqlite_path

__all__ = ["JobStatus", "JobStore", "jobs_table"]

metadata = sa.MetaData()

jobs_table = sa.Table(
    "jobs",
    metadata,
    sa.Column("job_id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("worker", sa.Text),
    sa.Column("lease_until", sa.Float),
    sa.Column("claims", sa.Integer, nullable=False, default=0),
    sa.Column("progress", sa.Text),
    sa.Column("result", sa.Text),
    sa.Column("updated_at", sa.Float, nullable=False),
)


class JobStatus(enum.StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


class JobStore:
    """Submit, claim, heartbeat, finish and cancel jobs in the store at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            engine = open_engine(self.url, metadata)
            if sqlite_path(self.url) is not None:
                _sqlite_immediate(engine)
                engine.dispose()  # the connection that created the table began the old way
            self._engine = engine
        return self._engine

    def close(self) -> None:
        """Close the store's connections."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _write(self, work: Any) -> Any:
        """``work(conn)`` in one write transaction, retried while SQLite reports the file locked."""
        for attempt in range(COMMIT_RETRIES):
            try:
                with self.engine.begin() as conn:
                    return work(conn)
            except sa.exc.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or attempt == COMMIT_RETRIES - 1:
                    raise StoreError(f"cannot write jobs to the store: {exc.orig}") from None
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def submit(self, payload: dict[str, Any], owner: str) -> str:
        """Queue a job; returns its id."""
        now = time.time()
        job_id = f"job-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
        row = {
            "job_id": job_id,
            "created_at": now,
            "owner": owner,
            "status": JobStatus.QUEUED.value,
            "payload": json.dumps(payload),
            "claims": 0,
            "updated_at": now,
        }
        self._write(lambda conn: conn.execute(jobs_table.insert().values(**row)))
        return job_id

    def claim(self, worker: str, lease_s: float) -> dict[str, Any] | None:
        """Take the oldest queued job, or a running one whose lease expired; None when there is none.

        The job becomes ``running`` under ``worker`` with a lease of ``lease_s`` seconds.
        """
        postgres = self.engine.dialect.name == "postgresql"

        def work(conn: Any) -> dict[str, Any] | None:
            now = time.time()
            takeable = sa.or_(
                jobs_table.c.status == JobStatus.QUEUED.value,
                sa.and_(jobs_table.c.status == JobStatus.RUNNING.value, jobs_table.c.lease_until < now),
            )
            query = sa.select(jobs_table.c.job_id).where(takeable).order_by(jobs_table.c.created_at).limit(1)
            if postgres:
                query = query.with_for_update(skip_locked=True)
            job_id = conn.execute(query).scalar()
            if job_id is None:
                return None
            taken = conn.execute(
                jobs_table.update()
                .where(jobs_table.c.job_id == job_id, takeable)
                .values(
                    status=JobStatus.RUNNING.value,
                    worker=worker,
                    lease_until=now + lease_s,
                    claims=jobs_table.c.claims + 1,
                    updated_at=now,
                )
            )
            if taken.rowcount != 1:  # another worker took it between the read and the write
                return None
            return _row(
                conn.execute(sa.select(jobs_table).where(jobs_table.c.job_id == job_id)).mappings().one()
            )

        result: dict[str, Any] | None = self._write(work)
        return result

    def heartbeat(
        self, job_id: str, worker: str, lease_s: float, progress: dict[str, Any] | None = None
    ) -> bool:
        """Extend ``worker``'s lease on a running job (and record its progress).

        False when the job is no longer this worker's to run: cancelled, or taken over by another
        worker after the lease expired. The worker then stops.
        """
        values: dict[str, Any] = {"lease_until": time.time() + lease_s, "updated_at": time.time()}
        if progress is not None:
            values["progress"] = json.dumps(progress)
        query = (
            jobs_table.update()
            .where(
                jobs_table.c.job_id == job_id,
                jobs_table.c.worker == worker,
                jobs_table.c.status == JobStatus.RUNNING.value,
            )
            .values(**values)
        )
        return bool(self._write(lambda conn: conn.execute(query).rowcount == 1))

    def finish(self, job_id: str, worker: str, status: JobStatus, result: dict[str, Any]) -> bool:
        """Record the end of ``worker``'s job; False when the job was no longer its own."""
        query = (
            jobs_table.update()
            .where(
                jobs_table.c.job_id == job_id,
                jobs_table.c.worker == worker,
                jobs_table.c.status == JobStatus.RUNNING.value,
            )
            .values(status=status.value, result=json.dumps(result), lease_until=None, updated_at=time.time())
        )
        return bool(self._write(lambda conn: conn.execute(query).rowcount == 1))

    def release(self, job_id: str, worker: str) -> bool:
        """Put ``worker``'s running job back in the queue (its service is stopping)."""
        query = (
            jobs_table.update()
            .where(
                jobs_table.c.job_id == job_id,
                jobs_table.c.worker == worker,
                jobs_table.c.status == JobStatus.RUNNING.value,
            )
            .values(status=JobStatus.QUEUED.value, worker=None, lease_until=None, updated_at=time.time())
        )
        return bool(self._write(lambda conn: conn.execute(query).rowcount == 1))

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job (a running one stops at its worker's next heartbeat).

        False when the job had already ended."""
        query = (
            jobs_table.update()
            .where(
                jobs_table.c.job_id == job_id,
                jobs_table.c.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
            )
            .values(status=JobStatus.CANCELLED.value, lease_until=None, updated_at=time.time())
        )
        return bool(self._write(lambda conn: conn.execute(query).rowcount == 1))

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(jobs_table).where(jobs_table.c.job_id == job_id)).mappings().first()
        return None if row is None else _row(row)

    def list(self, limit: int = 50, owner: str | None = None) -> list[dict[str, Any]]:
        """Jobs, newest first (of ``owner`` when given)."""
        query = sa.select(jobs_table).order_by(jobs_table.c.created_at.desc()).limit(limit)
        if owner is not None:
            query = query.where(jobs_table.c.owner == owner)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query).mappings()]


def _row(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in ("payload", "progress", "result"):
        out[key] = None if out[key] is None else json.loads(out[key])
    return out


def _sqlite_immediate(engine: sa.Engine) -> None:
    """Make every transaction on this SQLite engine start with ``BEGIN IMMEDIATE``.

    pysqlite would otherwise begin lazily (a read first, the write lock later), and two claims could
    both read the same queued job. SQLAlchemy's documented recipe: the driver's own transaction
    handling off, the BEGIN emitted by an event.
    """

    @sa.event.listens_for(engine, "connect")
    def _no_driver_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
