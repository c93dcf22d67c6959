"""The store's schema under Alembic, on SQLite and PostgreSQL (the ``store_url`` fixture).

A new store is made by the migrations and has exactly the tables the package declares; a store
made before migrations existed is adopted with every row; two processes opening one new store at
once do not both migrate it; a store from a newer genjudge is refused, not touched.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from genjudge.errors import StoreError
from genjudge.store import RunStore, migrate
from genjudge.store import jobs as job_tables
from genjudge.store import runs as run_tables
from genjudge.store import windows as monitor_tables
from genjudge.store.runs import open_engine
from genjudge.validation import store as validation_store
from tests.records import stub_record
from tests.store import legacy
from tests.store.legacy import make_legacy_store

# Every MetaData whose tables live in the store; a new table's module adds its MetaData here.
DECLARED = [
    run_tables.metadata,
    monitor_tables.metadata,
    validation_store.decisions.metadata,
    job_tables.metadata,
]


def declared() -> sa.MetaData:
    merged = sa.MetaData()
    for group in DECLARED:
        for table in group.tables.values():
            table.to_metadata(merged)
    return merged


def counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if n != "alembic_version"]
        found = {
            n: conn.execute(sa.select(sa.func.count()).select_from(sa.table(n))).scalar_one() for n in names
        }
    engine.dispose()
    return found


def schema_differences(url: str) -> list[object]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = compare_metadata(MigrationContext.configure(conn), declared())
    engine.dispose()
    return [d for d in found if not (d[0] == "remove_table" and d[1].name == "alembic_version")]


def test_a_new_store_is_made_by_the_migrations_exactly_as_declared(store_url):
    engine = open_engine(store_url)
    assert migrate.current(engine) == migrate.head()
    engine.dispose()
    assert schema_differences(store_url) == []
    assert set(counts(store_url)) == set(declared().tables)


def test_the_baseline_makes_what_create_all_made(store_url):
    """Revision 0001 alone makes what the old code's create_all made (frozen copy), column by column."""
    engine = sa.create_engine(store_url)
    migrate.upgrade(engine, "0001")
    with engine.connect() as conn:
        found = compare_metadata(MigrationContext.configure(conn), legacy.everything())
    engine.dispose()
    assert [d for d in found if not (d[0] == "remove_table" and d[1].name == "alembic_version")] == []


@pytest.mark.parametrize("with_validation", [False, True])
def test_a_store_made_before_migrations_is_adopted_with_every_row(store_url, with_validation):
    before = make_legacy_store(store_url, with_monitor=not with_validation, with_validation=with_validation)
    assert migrate.current(sa.create_engine(store_url)) is None

    store = RunStore(store_url, create=False)
    listed = store.list()
    assert [r["run_id"] for r in listed] == ["run0", "run1", "run2"] or {r["run_id"] for r in listed} == {
        "run0",
        "run1",
        "run2",
    }
    assert store.examples("run1")["id"].tolist() == [0, 1, 2]
    assert [u["note"] for u in store.unfinished()] == ["SIGINT"]
    assert migrate.current(store.engine) == migrate.head()

    after = counts(store_url)
    for table, n in before.items():
        assert after[table] == n, table
    assert set(after) == set(declared().tables)  # the groups it lacked were created, empty
    assert schema_differences(store_url) == []


def test_a_table_of_another_shape_is_refused_not_adopted(store_url):
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE runs (id INTEGER PRIMARY KEY, payload TEXT)")
        conn.exec_driver_sql("INSERT INTO runs VALUES (1, 'theirs')")
    engine.dispose()
    with pytest.raises(StoreError, match=r"table 'runs' is not one genjudge made.*\['id', 'payload'\]"):
        open_engine(store_url)
    assert counts(store_url)["runs"] == 1
    assert "alembic_version" not in sa.inspect(sa.create_engine(store_url)).get_table_names()


def test_a_store_from_a_newer_genjudge_is_refused_untouched(store_url):
    open_engine(store_url).dispose()
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(
        StoreError, match=r"schema revision 9999, which this genjudge does not know.*upgrade genjudge"
    ):
        open_engine(store_url)
    assert migrate.current(engine) == "9999"
    engine.dispose()


def _open(url: str, start: Any, results: Any) -> None:
    start.wait()
    try:
        engine = open_engine(url)
        results.put(migrate.current(engine))
        engine.dispose()
    except Exception as exc:  # reported to the test, which fails on it
        results.put(f"{type(exc).__name__}: {exc}")


def test_processes_opening_a_new_store_at_once_migrate_it_once(store_url):
    """Four processes released together onto one empty database: all open it, one migrates
    (without the lock, PostgreSQL refuses the second CREATE TABLE and SQLite the second insert)."""
    context = multiprocessing.get_context("fork")  # forked: no re-import, so they really race
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=_open, args=(store_url, start, results)) for _ in range(4)]
    for p in processes:
        p.start()
    start.set()
    revisions = [results.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=60)
    assert revisions == [migrate.head()] * 4
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar_one() == 1
    engine.dispose()
    assert schema_differences(store_url) == []


def test_downgrade_to_base_and_back(store_url):
    """Every revision's downgrade undoes its upgrade (so a bad upgrade can be walked back)."""
    from alembic import command

    engine = open_engine(store_url)
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "base")
    assert migrate.current(engine) is None
    assert set(counts(store_url)) == set()
    migrate.upgrade(engine)
    assert schema_differences(store_url) == []
    engine.dispose()


def test_long_names_and_ids_are_stored_whole(store_url):
    """PostgreSQL enforces VARCHAR lengths (SQLite does not): revision 0002 made the user's text
    TEXT, so a long run name, item id or slice value is stored whole on both."""

    import pandas as pd

    long = "x" * 5000
    record = stub_record("r1", config={"name": long})
    store = RunStore(store_url)
    store.save(record, {}, pd.DataFrame({"id": [long + "1", long + "2"]}), ["ok", "ok"])
    assert store.list()[0]["name"] == long
    assert store.examples("r1")["id"].tolist() == [long + "1", long + "2"]


def test_a_value_the_database_refuses_is_a_store_error_not_a_traceback(store_url):
    from datetime import UTC, datetime

    store = RunStore(store_url)
    store.begin_attempt("r1", datetime.now(UTC), "n", "generation")
    with pytest.raises(StoreError, match="cannot write to the store"):
        store.begin_attempt("r1", datetime.now(UTC), "n", "generation")  # the same key again


def test_old_rows_survive_every_revision(store_url):
    """A pre-migration store with rows, upgraded to head (0001 adopts, 0002 rebuilds tables on
    SQLite): the same rows, value for value."""
    written = make_legacy_store(store_url, with_monitor=True, with_validation=True)
    engine = sa.create_engine(store_url)

    def dump() -> dict[str, list[tuple[object, ...]]]:
        with engine.connect() as conn:
            return {
                name: sorted(tuple(map(str, row)) for row in conn.execute(sa.select(table)))
                for name, table in legacy.everything().tables.items()
            }

    before = dump()
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    assert dump() == before
    assert sum(map(len, before.values())) == sum(written.values())
    engine.dispose()


def test_the_migrations_ship_in_the_package():
    """Every file of the Alembic environment is package data (pyproject.toml), or an installed
    genjudge could not migrate a store."""
    import tomllib
    from pathlib import Path

    root = Path(migrate.__file__).resolve().parents[1]
    project = tomllib.loads((root.parent / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["genjudge"]
    files = [p.relative_to(root).as_posix() for p in migrate.MIGRATIONS.rglob("*") if p.is_file()]
    files = [f for f in files if "__pycache__" not in f]
    assert "store/migrations/env.py" in files and len(files) >= 4
    shipped = {p.relative_to(root).as_posix() for pattern in patterns for p in root.glob(pattern)}
    assert sorted(set(files) - shipped) == []


def test_a_table_no_migration_makes_is_named(store_url):
    """A module that declares a table but adds no revision for it fails loudly, saying what to add."""
    mine = sa.MetaData()
    sa.Table("jobs_without_revision", mine, sa.Column("job_id", sa.String(64), primary_key=True))
    with pytest.raises(
        StoreError, match=r"no table jobs_without_revision: no migration makes it; add a revision"
    ):
        open_engine(store_url, mine)
    open_engine(store_url, run_tables.metadata).dispose()  # the package's own are all made


def test_head_is_the_newest_revision_file():
    # HEAD lets a current store open without Alembic; a new revision file must move it.
    assert migrate._script().get_current_head() == migrate.HEAD


def test_a_store_at_head_opens_with_one_query_and_no_alembic(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    url = f"sqlite:///{tmp_path / 'store.db'}"
    open_engine(url).dispose()  # made, migrated
    probe = (
        "import sys\nfrom genjudge.store.runs import open_engine\n"
        f"open_engine({url!r}).dispose()\nprint('alembic' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_store_behind_head_is_still_migrated(store_url):
    engine = sa.create_engine(store_url)
    migrate.upgrade(engine, "0001")
    open_engine(store_url).dispose()
    assert migrate.current(engine) == migrate.HEAD
    engine.dispose()


def test_the_sqlite_snapshot_is_what_the_revisions_make(tmp_path):
    # A new SQLite file is made from SQLITE_HEAD, not by the revisions: the two must not drift.
    from alembic import command

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'by_revisions.db'}")
    with engine.connect() as conn, conn.begin():
        command.upgrade(migrate.alembic_config(conn), "head")
    with engine.connect() as conn:
        made = migrate.sqlite_schema(conn)
    engine.dispose()
    assert made == migrate.SQLITE_HEAD.read_text(encoding="utf-8"), (
        "regenerate genjudge/store/migrations/head.sqlite.sql with migrate.sqlite_schema"
    )
    fresh = open_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    with fresh.connect() as conn:
        assert migrate.sqlite_schema(conn) == made
    fresh.dispose()


def test_a_new_sqlite_store_is_made_without_alembic(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    url = f"sqlite:///{tmp_path / 'new' / 'store.db'}"
    probe = (
        "import sys\nfrom genjudge.store import RunStore\n"
        f"RunStore({url!r}).find_same_inputs('x')\nprint('alembic' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert schema_differences(url) == []
