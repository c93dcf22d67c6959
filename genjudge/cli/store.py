"""``genjudge store [current | upgrade]``: the store's schema revision, and bringing it up to date.

A store is upgraded automatically whenever genjudge opens it; ``upgrade`` does it on demand (say,
before a team's services are restarted on a new version), ``current`` only reads.
"""

from __future__ import annotations

from typing import Annotated

import typer

from genjudge.cli.common import fail_cleanly
from genjudge.redact import redact

store_app = typer.Typer(help="The store's schema: its revision, and upgrading it.", no_args_is_help=True)

StoreOption = Annotated[
    str | None,
    typer.Option(help="Store URL or SQLite path (default: the project's .genjudge/genjudge.db)."),
]


def register(app: typer.Typer) -> None:
    """Add the ``store`` group to ``app``."""
    app.add_typer(store_app, name="store")


def _url(store: str | None) -> str:
    from genjudge.store import check_url, resolve_url

    url = resolve_url(store)
    check_url(url)
    typer.echo(f"store: {redact(url)}", err=True)
    return url


@store_app.command("current")
@fail_cleanly
def store_current(store: StoreOption = None) -> None:
    """Print the store's schema revision and the newest this genjudge knows; changes nothing."""
    import sqlalchemy as sa

    from genjudge.errors import StoreError
    from genjudge.store import migrate
    from genjudge.store.runs import sqlite_path

    url = _url(store)
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise StoreError(f"no store at {path} (no run has been stored there yet)")
    engine = sa.create_engine(url)
    try:
        revision = migrate.current(engine)
    finally:
        engine.dispose()
    head = migrate.head()
    state = "up to date" if revision == head else "will be upgraded when next opened"
    typer.echo(f"revision: {revision or 'none (empty, or made before migrations)'}")
    typer.echo(f"head: {head} ({state})")


@store_app.command("upgrade")
@fail_cleanly
def store_upgrade(store: StoreOption = None) -> None:
    """Bring the store's schema to the newest revision (made if absent); every row is kept."""
    from genjudge.store import migrate
    from genjudge.store.runs import open_engine

    url = _url(store)
    engine = open_engine(url)
    try:
        after = migrate.current(engine)
    finally:
        engine.dispose()
    typer.echo(f"revision: {after} (head)")
