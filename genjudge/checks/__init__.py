"""The check registry: every scorer a run can use, by name.

Adding a check to genjudge is one module in this package plus one line in ``_MODULES`` below; a
test keeps the registry, the names and the docs in agreement. Another package adds a check through
the ``genjudge.checks`` entry point group (see docs/extending.md); its module is imported the first
time a run names it, and a plugin that fails to load or reuses a built-in name is an error naming
the plugin.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from genjudge.checks.base import Check, CheckOptions, CheckResult, RunContext

if TYPE_CHECKING:
    from genjudge.plugins import Plugin

__all__ = ["Check", "CheckOptions", "CheckResult", "RunContext", "get", "names", "register"]

_REGISTRY: dict[str, type] = {}

# One line per check module, named after the check it registers. Imported on first use so
# `genjudge --help` stays instant; a run imports only the modules of the checks it uses.
_MODULES = [
    "genjudge.checks.calibration",
    "genjudge.checks.distribution_distance",
    "genjudge.checks.embedding_similarity",
    "genjudge.checks.extraction_fields",
    "genjudge.checks.format_rules",
    "genjudge.checks.json_structure",
    "genjudge.checks.exact_match",
    "genjudge.checks.label_metrics",
    "genjudge.checks.judge_claims",
    "genjudge.checks.judge_equivalence",
    "genjudge.checks.judge_rubric",
]


def register(cls: type) -> type:
    """Class decorator: add a check to the registry under its ``name``.

    Also usable as a plain call (``register(MyCheck)``) to add a check defined in a script or a
    notebook for the runs of this process.
    """
    name = cls.name  # type: ignore[attr-defined]
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise ValueError(f"two checks are named {name!r}")
    _REGISTRY[name] = cls
    return cls


_BUILTIN: set[str] = {m.rsplit(".", 1)[1] for m in _MODULES}
_LOADED: list[bool] = []


def _load() -> None:
    if not _LOADED:
        for module in _MODULES:
            importlib.import_module(module)
        _LOADED.append(True)


def _plugins() -> dict[str, Plugin]:
    from genjudge.plugins import CHECKS, discover

    return dict(discover(CHECKS, _BUILTIN))


def names() -> list[str]:
    """Sorted names of all checks: built-in, registered in this process, and declared by plugins."""
    _load()
    return sorted(set(_REGISTRY) | set(_plugins()))


def get(name: str) -> type:
    """The check class registered under ``name`` (a plugin's is imported here, on first use)."""
    if name in _BUILTIN:
        importlib.import_module(f"genjudge.checks.{name}")  # that check alone
    else:
        _load()
    plugins = _plugins()  # also fails on a plugin that reuses a built-in name
    if name in _REGISTRY:
        return _REGISTRY[name]
    plugin = plugins.get(name)
    if plugin is None:
        from genjudge.errors import ConfigError

        known = sorted(set(_REGISTRY) | set(plugins))
        raise ConfigError(f"unknown check {name!r}; known: {', '.join(known)}")
    return _load_plugin(plugin)


def _load_plugin(plugin: Plugin) -> type:
    loaded = plugin.load()
    if not isinstance(loaded, type):
        raise plugin.error(f"expected a check class, got {type(loaded).__name__}")
    cls: Any = loaded  # checked attribute by attribute below
    missing = [a for a in ("name", "tasks", "Options", "metrics", "score") if not hasattr(cls, a)]
    if missing:
        raise plugin.error(
            f"{cls.__name__} is not a check: it lacks {', '.join(missing)} (see docs/extending.md)"
        )
    if cls.name != plugin.name:
        raise plugin.error(f"the entry point is named {plugin.name!r} but the check's name is {cls.name!r}")
    if not (isinstance(cls.Options, type) and issubclass(cls.Options, CheckOptions)):
        raise plugin.error(f"{cls.__name__}.Options must subclass genjudge.checks.CheckOptions")
    return register(cls)
