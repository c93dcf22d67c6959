"""A fresh, empty PostgreSQL database per test, on the server named by ``GENJUDGE_TEST_PG_URL``.

``.ci/run`` starts a throwaway server (``.ci/postgres.sh``) and exports the URL; a developer can
do the same by hand (docs/store.md). Without the variable the PostgreSQL half of a test skips,
saying so; with it set and the server unreachable the test FAILS (CI must not pass by skipping).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

ENV = "GENJUDGE_TEST_PG_URL"


def admin_url() -> sa.URL:
    """The server's URL from the environment; skips when unset, fails when unreachable."""
    raw = os.environ.get(ENV)
    if not raw:
        pytest.skip(f"PostgreSQL: {ENV} is not set (start a server with .ci/postgres.sh, see docs/store.md)")
    url = sa.make_url(raw)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        pytest.fail(f"{ENV} is set but its server is unreachable: {type(exc).__name__}: {exc}")
    finally:
        engine.dispose()
    return url


@contextmanager
def _closing_connections() -> Iterator[None]:
    """Close, at the end, every DBAPI connection any engine opened meanwhile.

    The code under test keeps connections in its engines' pools and drops an engine without
    disposing of it; psycopg warns (ResourceWarning, an error under pytest's filterwarnings) when
    an open connection is garbage collected. Holding each one here until the test ends and then
    closing it keeps that from happening mid-test, and leaves nothing open on a dropped database.
    """
    opened: list[Any] = []

    def remember(dbapi_connection: Any, _record: Any) -> None:
        if type(dbapi_connection).__module__.startswith("psycopg"):  # not SQLite's: those stay as they were
            opened.append(dbapi_connection)

    sa.event.listen(sa.pool.Pool, "connect", remember)
    try:
        yield
    finally:
        sa.event.remove(sa.pool.Pool, "connect", remember)
        for connection in opened:
            if not connection.closed:
                connection.close()


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new database on the test server, dropped (with its connections) afterwards; yields its URL."""
    base = admin_url()
    name = f"genjudge_t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        with _closing_connections():
            yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
