"""What a service instance serves: its store, its tokens, its files and its rating sheets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServiceSettings:
    """The settings of one service process."""

    store_url: str
    """SQLAlchemy URL of the store (runs and validation decisions)."""
    tokens_file: Path
    """The bearer tokens: a JSON file ``{"version": 1, "tokens": [{"name", "sha256"}, ...]}``."""
    root: Path
    """Files named in a request must lie under this folder."""
    workdir: Path
    """The service's own files."""
    labels_root: Path
    """The folder whose sub-folders are rating sheets (``genjudge labels sample --out``)."""
