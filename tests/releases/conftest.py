"""Two releases of the tickets student (v1, v2) stored in one SQLite store, run once per session."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import genjudge

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tickets"


@dataclass(frozen=True)
class Releases:
    folder: Path
    store: str
    v1: genjudge.Run
    v2: genjudge.Run


@pytest.fixture(scope="session")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Releases:
    folder = tmp_path_factory.mktemp("releases") / "tickets"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("reports", ".genjudge"))
    store = f"sqlite:///{folder / 'releases.db'}"
    fast = {"bootstrap": {"resamples": 300}}
    v1 = genjudge.evaluate(folder / "genjudge.yaml", overrides=fast, store=store)
    v2 = genjudge.evaluate(folder / "genjudge-v2.yaml", overrides=fast, store=store)
    return Releases(folder, store, v1, v2)
