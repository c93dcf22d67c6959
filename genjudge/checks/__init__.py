"""The check registry: every scorer a run can use, by name.

Adding a check is one module in this package plus one line in ``_MODULES`` below; a test keeps the
registry, the names and the docs in agreement.
"""

from __future__ import annotations

import importlib

from genjudge.checks.base import Check, CheckOptions, CheckResult, RunContext

__all__ = ["Check", "CheckOptions", "CheckResult", "RunContext", "get", "names", "register"]

_REGISTRY: dict[str, type] = {}

# One line per check module. Imported on first use so `genjudge --help` stays instant.
_MODULES = [
    "genjudge.checks.embedding_similarity",
    "genjudge.checks.extraction_fields",
    "genjudge.checks.format_rules",
    "genjudge.checks.json_structure",
    "genjudge.checks.exact_match",
    "genjudge.checks.label_metrics",
    "genjudge.checks.judge_equivalence",
    "genjudge.checks.judge_rubric",
]


def register(cls: type) -> type:
    """Class decorator: add a check to the registry under its ``name``."""
    name = cls.name
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise ValueError(f"two checks are named {name!r}")
    _REGISTRY[name] = cls
    return cls


def _load() -> None:
    for module in _MODULES:
        importlib.import_module(module)


def names() -> list[str]:
    """Sorted names of all registered checks."""
    _load()
    return sorted(_REGISTRY)


def get(name: str) -> type:
    """The check class registered under ``name``."""
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        from genjudge.errors import ConfigError

        raise ConfigError(f"unknown check {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None
