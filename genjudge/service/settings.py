"""What a service instance serves: its store, its rating sheets and its tokens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServiceSettings:
    """The settings of one service process."""

    store_url: str
    """SQLAlchemy URL of the store (runs and validation decisions)."""
    labels_root: Path
    """The folder whose sub-folders are rating sheets (``genjudge labels sample --out``)."""
    tokens_file: Path | None = None
    """``name: sha256-hex`` lines, one per token (the name is the principal, e.g. the rater id)."""
