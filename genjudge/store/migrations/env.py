"""The Alembic environment of the store (see README.md beside this file).

genjudge runs it in process (:mod:`genjudge.store.migrate`) and hands it a connection already
inside a transaction that holds the migration lock, through ``config.attributes["connection"]``.
Run by the ``alembic`` command (``alembic -c <ini>`` with ``sqlalchemy.url`` set) it opens its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

config = context.config


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=None, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
