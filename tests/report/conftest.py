"""Report folders of the shipped examples, run once per test session and shared by the page tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.report.example_reports import BUILD, missing_data


@pytest.fixture(scope="session")
def example_report(tmp_path_factory):
    """``example_report(name)`` -> the report folder of that shipped example (skips without its data).

    It runs the example with ``asyncio.run``: use it from plain (not ``async``) tests.
    """
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if (why := missing_data(name)) is not None:
            pytest.skip(f"{name}: {why}")
        if name not in built:
            built[name] = asyncio.run(BUILD[name](tmp_path_factory.mktemp(name)))
        return built[name]

    return get
