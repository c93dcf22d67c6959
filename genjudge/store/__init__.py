"""The results store: every run, its report numbers and its per-example rows.

An embedded SQLite file by default; any SQLAlchemy URL (e.g. PostgreSQL) for a team. Other
components (judge validation decisions, caches) keep their own tables on the same URL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genjudge.store.locate import default_store_path

if TYPE_CHECKING:
    from genjudge.store.runs import RunStore, check_url

__all__ = ["DEFAULT_URL", "RunStore", "check_url", "default_store_path", "resolve_url"]

DEFAULT_URL = "sqlite:///.genjudge/genjudge.db"
"""The default store relative to the project root (see :mod:`genjudge.store.locate`)."""


def resolve_url(setting: str | None = None, base: Path | None = None, start: Path | None = None) -> str:
    """A SQLAlchemy URL from a setting: a URL as is, a file path as SQLite (relative to ``base``,
    else to the current folder; the URL holds the absolute path).

    Precedence: the setting, then the ``GENJUDGE_STORE`` environment variable, then the project's
    store found by walking up from ``start`` (default: the current folder) to a project root, or
    the user-level store outside any project (:func:`genjudge.store.locate.default_store_path`).
    Nothing is created here: the store's folder and file are made when a run is first written, so
    a refused run or a read of an absent store leaves nothing.
    """
    setting = setting or os.environ.get("GENJUDGE_STORE")
    if not setting:
        return f"sqlite:///{default_store_path(start).absolute()}"
    if "://" in setting:
        if setting.startswith("sqlite:///") and not setting.startswith("sqlite:////"):
            if setting == "sqlite:///:memory:":
                return setting
            path = Path(setting[len("sqlite:///") :])
            if base is not None and not path.is_absolute() and setting is not DEFAULT_URL:
                path = base / path
            return f"sqlite:///{path.absolute()}"
        return setting
    path = Path(setting)
    if base is not None and not path.is_absolute():
        path = base / path
    # Absolute, so that the URL names one file whatever the current folder is later (engines
    # are cached by URL for the life of the process).
    return f"sqlite:///{path.absolute()}"


def __getattr__(name: str) -> Any:
    # RunStore and check_url bring SQLAlchemy (and pandas): imported on first use, so resolving a
    # store's URL on a run's start-up path costs nothing.
    if name in ("RunStore", "check_url"):
        from genjudge.store import runs

        value = getattr(runs, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'genjudge.store' has no attribute {name!r}")
