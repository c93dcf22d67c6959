"""Where the store is when nothing names one: the same file from any folder of a project.

Walking up from a start folder (the current folder, or a run config's folder), the first folder
that holds ``.genjudge/genjudge.db``, a ``pyproject.toml`` or a ``.git`` is the project root, and
the store is ``<root>/.genjudge/genjudge.db``. Outside any project the store is the user-level
``$XDG_DATA_HOME/genjudge/genjudge.db`` (``~/.local/share/genjudge/genjudge.db``).

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> (root / "pyproject.toml").touch()
>>> (root / "examples" / "summaries").mkdir(parents=True)
>>> default_store_path(root / "examples" / "summaries") == root / ".genjudge" / "genjudge.db"
True
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "ROOT_MARKERS",
    "STORE_FILE",
    "default_store_path",
    "project_root",
    "sqlite_path",
    "user_store_path",
]

STORE_FILE = Path(".genjudge") / "genjudge.db"
"""The store's path relative to a project root."""

ROOT_MARKERS = (str(STORE_FILE), "pyproject.toml", ".git")
"""A folder holding any of these is a project root (``.git`` may be a file: a worktree)."""


def project_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding a root marker, or None."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return None


def user_store_path() -> Path:
    """The user-level store, used outside any project."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "genjudge" / "genjudge.db"


def default_store_path(start: Path | None = None) -> Path:
    """The store for a command started in ``start`` (default: the current folder)."""
    root = project_root(start if start is not None else Path.cwd())
    return root / STORE_FILE if root is not None else user_store_path()


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for another database or an in-memory one)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url[len("sqlite:///") :])
    return None
