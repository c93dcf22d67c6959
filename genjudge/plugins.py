"""Third-party extensions found through Python entry points, loaded lazily and named in every error.

A package adds to genjudge's registries by declaring entry points in its ``pyproject.toml``::

    [project.entry-points."genjudge.checks"]
    word_overlap = "my_package.checks:WordOverlap"

    [project.entry-points."genjudge.providers"]
    echo = "my_package.providers:ECHO"

    [project.entry-points."genjudge.report_sections"]
    longest_outputs = "my_package.sections:LONGEST"

Only the names are read when a registry is listed (``importlib.metadata``, no plugin import); a
plugin's module is imported the first time its name is used. A plugin that fails to import, that
loads an object of the wrong kind, or whose name is already a built-in's or another plugin's, is a
:class:`PluginError` naming the plugin's distribution and entry point.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from genjudge.errors import ConfigError

__all__ = ["CHECKS", "PROVIDERS", "Plugin", "PluginError", "REPORT_SECTIONS", "discover", "refresh"]

CHECKS = "genjudge.checks"
PROVIDERS = "genjudge.providers"
REPORT_SECTIONS = "genjudge.report_sections"


class PluginError(ConfigError):
    """A plugin could not be used: it failed to load, or its name collides with another."""


@dataclass(frozen=True)
class Plugin:
    """One entry point of a group: its name, where it points, and the distribution declaring it."""

    group: str
    name: str
    value: str
    """``module:attribute`` as declared."""
    dist: str
    """The distribution (``name version``) that declares it."""
    entry_point: Any

    @property
    def label(self) -> str:
        """How errors name the plugin: ``'echo' (echo = my_pkg:ECHO from my-pkg 0.1, genjudge.providers)``."""
        return f"{self.name!r} ({self.name} = {self.value} from {self.dist}, group {self.group})"

    def load(self) -> Any:
        """Import the plugin's object; any failure is a PluginError naming the plugin."""
        try:
            return self.entry_point.load()
        except Exception as exc:
            raise PluginError(f"plugin {self.label} failed to load: {type(exc).__name__}: {exc}") from exc

    def error(self, problem: str) -> PluginError:
        return PluginError(f"plugin {self.label}: {problem}")


def discover(group: str, builtin: set[str] | frozenset[str] = frozenset()) -> dict[str, Plugin]:
    """The plugins of ``group`` by name, without importing them.

    A name that is a built-in's (``builtin``) or that two distributions declare is a PluginError.
    """
    found: dict[str, Plugin] = {}
    for ep in _entry_points(group):
        dist = ep.dist
        plugin = Plugin(
            group, ep.name, ep.value, f"{dist.name} {dist.version}" if dist else "an unknown distribution", ep
        )
        if ep.name in builtin:
            raise plugin.error(f"the name {ep.name!r} is already a built-in one; rename the entry point")
        if ep.name in found and found[ep.name].value != ep.value:
            raise plugin.error(f"the name {ep.name!r} is also declared by plugin {found[ep.name].label}")
        found[ep.name] = plugin
    return found


@functools.cache
def _entry_points(group: str) -> tuple[Any, ...]:
    # Scanning the installed distributions costs tens of milliseconds: once per process and group.
    return tuple(metadata.entry_points(group=group))


def refresh() -> None:
    """Forget the scanned entry points, so that packages installed since are seen."""
    _entry_points.cache_clear()
