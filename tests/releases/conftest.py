"""Two releases of the tickets student (v1, v2) stored in one store, run once per session and
store kind: a SQLite file, then a PostgreSQL database (skipped without GENJUDGE_TEST_PG_URL)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
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


def _releases(folder: Path, store: str) -> Releases:
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("reports", ".genjudge"))
    fast = {"bootstrap": {"resamples": 300}}
    v1 = genjudge.evaluate(folder / "genjudge.yaml", overrides=fast, store=store)
    v2 = genjudge.evaluate(folder / "genjudge-v2.yaml", overrides=fast, store=store)
    return Releases(folder, store, v1, v2)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def releases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Releases]:
    folder = tmp_path_factory.mktemp("releases") / "tickets"
    if request.param == "sqlite":
        yield _releases(folder, f"sqlite:///{folder / 'releases.db'}")
        return
    from tests.pg import fresh_database

    with fresh_database() as url:
        yield _releases(folder, url)
