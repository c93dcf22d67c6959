"""Engines: where a run's per-item check work is done.

The runner's score stage asks an engine for one :class:`~genjudge.checks.CheckResult` per check;
everything after (aggregation, findings, store, report) is the same whichever engine made them.

- ``local`` (the default): every check scores the whole frame in this process (:class:`LocalEngine`).
- ``ray``: the row-wise checks (:class:`~genjudge.checks.base.RowwiseCheck`: structure, format
  rules, exact match, extraction fields) score blocks of rows as Ray Data tasks on a Ray cluster;
  each check's whole-set summary and every other check run here (:class:`RayEngine`, docs/scale.md).
"""

from __future__ import annotations

from typing import Any

from genjudge.engines.base import Engine, OnFinished, split_rowwise
from genjudge.engines.local import LocalEngine
from genjudge.errors import ConfigError

__all__ = ["ENGINES", "Engine", "LocalEngine", "OnFinished", "make_engine", "split_rowwise"]

ENGINES = ("local", "ray")
"""The engine names ``genjudge run --engine`` accepts."""


def make_engine(name: str = "local", **options: Any) -> Engine:
    """The engine called ``name``; ``options`` go to its constructor (the Ray engine's address, workers)."""
    if name == "local":
        return LocalEngine()
    if name == "ray":
        from genjudge.engines.ray_data import RayEngine

        return RayEngine(**options)
    raise ConfigError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
