"""The store's schema, brought to the newest revision when a store is opened (Alembic).

:func:`upgrade` runs the revisions in ``genjudge/store/migrations/versions`` that a database has
not had yet, in one transaction that holds a lock, so two processes opening a new store at the
same moment do not both migrate it: the second waits for the first and then finds nothing to do.
The lock is the database's own: ``BEGIN IMMEDIATE`` on SQLite (the write lock, waited for up to
the connection's busy timeout), ``pg_advisory_xact_lock`` on PostgreSQL. A store made before
migrations existed (tables made by ``create_all``, no ``alembic_version`` table) is adopted by the
baseline revision with every row kept. A store at a revision this version does not know (made by
a newer genjudge) is refused, not touched.

Opening a store that is already at :data:`HEAD` (every run after the first) costs one query and no
Alembic import: the revision is read with plain SQL and compared with the constant. A new, empty
SQLite file is given the schema at :data:`HEAD` from :data:`SQLITE_HEAD`, the statements the
revisions leave in ``sqlite_master`` (kept equal to them by tests/store/test_migrations.py), under
the same lock, again without Alembic.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from genjudge.errors import StoreError

if TYPE_CHECKING:  # alembic is imported when a store is opened, not with the package
    from alembic.config import Config
    from alembic.script import ScriptDirectory

__all__ = [
    "HEAD",
    "MIGRATIONS",
    "SQLITE_HEAD",
    "alembic_config",
    "current",
    "head",
    "sqlite_schema",
    "upgrade",
]

MIGRATIONS = Path(__file__).with_name("migrations")
"""The Alembic environment shipped in the package (see its README.md to add a revision)."""

HEAD = "0003"
"""The newest revision in ``migrations/versions``, kept as a constant so that opening a current store
needs no Alembic; a new revision file moves it (tests/store/test_migrations.py checks the two agree)."""

SQLITE_HEAD = MIGRATIONS / "head.sqlite.sql"
"""The schema at :data:`HEAD` on SQLite: :func:`sqlite_schema` of a store the revisions made."""

PG_LOCK_KEY = 0x67656E6A  # "genj": the advisory lock that serialises migrations on PostgreSQL


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic config on the shipped environment, for ``alembic.command`` (``downgrade``,
    ``history``...); with ``connection``, the commands run on it, inside its transaction."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS))


def head() -> str:
    """The newest revision this version of genjudge knows (:data:`HEAD`)."""
    return HEAD


def _at_head(engine: sa.Engine) -> bool:
    """True when the store is at :data:`HEAD`, read with one plain query (no Alembic import).

    Anything else, or a database error, is False: :func:`upgrade` then takes the full path, which
    migrates, refuses an unknown revision or reports the error.
    """
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return False
            found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    except sa.exc.SQLAlchemyError:
        return False
    return list(found) == [HEAD]


def _revision(conn: sa.Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def current(engine: sa.Engine) -> str | None:
    """The store's revision: None for an empty database or one made before migrations existed."""
    from genjudge.redact import redact

    try:
        with engine.connect() as conn:
            return _revision(conn)
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"cannot read the schema revision of {redact(str(engine.url))}: {exc}") from None


def _known(revision: str) -> bool:
    try:
        _script().get_revision(revision)
    except Exception:  # alembic raises its own CommandError / ResolutionError subclasses
        return False
    return True


def sqlite_schema(conn: sa.Connection) -> str:
    """The statements that make a SQLite database's schema (``sqlite_master``: the tables by name,
    then the indexes and the rest by name), one per ``;``-terminated paragraph, with the revision it
    is at; :data:`SQLITE_HEAD` is this text for a store the revisions made."""
    query = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type != 'table', name"
    rows = conn.exec_driver_sql(query).scalars()
    statements = [f"{sql};" for sql in rows]
    if sa.inspect(conn).has_table("alembic_version"):
        for version in conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars():
            statements.append(f"INSERT INTO alembic_version (version_num) VALUES ('{version}');")
    return "\n\n".join(statements) + "\n"


def _made_at_head(engine: sa.Engine) -> bool:
    """An empty SQLite database is given the schema at :data:`HEAD` from :data:`SQLITE_HEAD`, under
    the migration lock; False (nothing done) for any other database, or one no longer empty once
    the lock is held (another process made it: the full path then finds it current)."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn, conn.begin():
        _lock(conn)
        if sa.inspect(conn).get_table_names():
            return False
        for statement in SQLITE_HEAD.read_text(encoding="utf-8").split(";\n"):
            if statement.strip():
                conn.exec_driver_sql(statement)
    return True


def _lock(conn: sa.Connection) -> None:
    """Take the migration lock inside ``conn``'s transaction (held until it ends)."""
    if conn.dialect.name == "sqlite":
        # The sqlite3 module opens no transaction before DDL: this one is explicit, and takes the
        # write lock at once (another process's BEGIN IMMEDIATE waits for it).
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def upgrade(engine: sa.Engine, revision: str = "head") -> str | None:
    """Bring the store on ``engine`` to ``revision`` (default: the newest); returns the revision
    it was at before. Cheap when the store is already at the newest (one query, no lock) and on a
    new SQLite file (the snapshot of the newest schema): neither imports Alembic."""
    if revision in ("head", HEAD):
        if _at_head(engine):
            return HEAD
        try:
            if _made_at_head(engine):
                return None
        except sa.exc.SQLAlchemyError as exc:
            from genjudge.redact import redact

            raise StoreError(
                f"cannot make the schema of the store {redact(str(engine.url))}: {exc}"
            ) from None
    from alembic import command
    from alembic.util import CommandError

    from genjudge.redact import redact

    where = redact(str(engine.url))
    target = head() if revision == "head" else revision
    before = current(engine)
    if before == target:
        return before
    if before is not None and not _known(before):
        raise StoreError(
            f"the store {where} is at schema revision {before}, which this genjudge does not know "
            f"(it knows up to {head()}): it was upgraded by a newer genjudge; upgrade genjudge"
        )
    try:
        with engine.connect() as conn, conn.begin():
            _lock(conn)
            before = _revision(conn)  # again, under the lock: another process may have done it
            if before != target:
                command.upgrade(alembic_config(conn), revision)
    except (sa.exc.SQLAlchemyError, RuntimeError, CommandError) as exc:
        raise StoreError(f"cannot upgrade the schema of the store {where}: {exc}") from None
    return before
