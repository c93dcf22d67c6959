"""Fixtures of the page tests: a store with two real runs of the tickets example, a rating sheet,
and the service serving both on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.labels.sheets import make_sheet
from tests.service.pages.served import REPO, Served, genjudge_run, settings_for

pytest.importorskip("fastapi", reason="fastapi (the service extra) is not installed")
pytest.importorskip("uvicorn", reason="uvicorn (the service extra) is not installed")


@pytest.fixture(scope="session")
def stored_runs(tmp_path_factory) -> tuple[Path, list[str]]:
    """(store file, [run of tickets v1, run of tickets v2]): two real `genjudge run`s on one set."""
    work = tmp_path_factory.mktemp("stored-runs")
    store = work / "store.db"
    examples = REPO / "examples" / "tickets"
    ids = [
        genjudge_run(examples / "genjudge.yaml", store, work / "report-v1"),
        genjudge_run(examples / "genjudge-v2.yaml", store, work / "report-v2"),
    ]
    return store, ids


@pytest.fixture()
def page_service(tmp_path, stored_runs) -> Iterator[Served]:
    """The service over the stored runs, with a fresh 6-item sheet `demo` under its labels root."""
    labels = tmp_path / "labels"
    make_sheet(labels / "demo", 6)
    with Served(settings_for(tmp_path, f"sqlite:///{stored_runs[0]}", labels)) as served:
        yield served
