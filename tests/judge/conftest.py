"""Fixtures: a loopback LLM server per test."""

from __future__ import annotations

import pytest

from tests.llm.loopback import Loopback


@pytest.fixture
async def loopback():
    server = await Loopback().start()
    yield server
    await server.stop()
