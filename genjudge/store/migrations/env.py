"""The Alembic environment of the store (see README.md beside this file).

genjudge runs it in process (:mod:`genjudge.store.migrate`) and hands it a connection already
inside a transaction that holds the migration lock, through ``config.attributes["connection"]``.
Run by the ``alembic`` command (``alembic -c <ini>`` with ``sqlalchemy.url`` set) it opens its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=None, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Run the migrations Alembic was asked for, on genjudge's connection or on the ini's URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or ""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


# Alembic executes this file inside an environment context; imported anywhere else (a test that
# imports every module of the package), it does nothing.
if hasattr(context, "config"):
    main()
