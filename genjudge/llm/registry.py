"""The provider registry: every LLM backend a judge can use, by name.

The judge of ``genjudge run`` and of ``genjudge validate`` (and :class:`genjudge.judge.Judge` in a
script) build their provider here from the ``judge:`` settings: ``judge: {provider: NAME, ...}``.
A provider is registered as a :class:`ProviderSpec`: its name, a factory from the settings to a
:class:`~genjudge.llm.types.Provider`, and what the settings need to know before anything is built
(the default environment variable of its key, whether it needs a model name, its timeout).

Built-in: ``local``, ``openai``, ``anthropic``. Another package adds one through the
``genjudge.providers`` entry point group, pointing at a ``ProviderSpec`` (see docs/extending.md);
a script may call :func:`register`. Factories import their SDK when called, so an absent SDK only
matters when its provider is chosen.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from genjudge.errors import ConfigError
from genjudge.llm.types import Provider

__all__ = ["ProviderSettings", "ProviderSpec", "build", "get", "names", "register"]


class ProviderSettings(Protocol):
    """What a factory reads: the judge settings (:class:`genjudge.judge.JudgeSettings`)."""

    @property
    def provider(self) -> str: ...
    @property
    def model_name(self) -> str: ...
    @property
    def base_url(self) -> str | None: ...
    @property
    def key_env(self) -> str | None: ...
    @property
    def concurrency(self) -> int: ...
    @property
    def attempt_timeout_s(self) -> float: ...
    @property
    def structured_output(self) -> bool: ...
    @property
    def threads(self) -> int: ...
    @property
    def model_path(self) -> Path | None: ...
    @property
    def n_ctx(self) -> int: ...
    @property
    def options(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class ProviderSpec:
    """A registered provider."""

    name: str
    build: Callable[[ProviderSettings], Provider]
    """Build the provider from the judge settings; raise ConfigError for settings it cannot use."""
    key_env: str | None = None
    """Environment variable holding the API key when ``api_key_env`` is not set."""
    needs_model: bool = True
    """The settings must name a ``model``."""
    default_timeout_s: float = 60.0
    """Per-attempt timeout when ``timeout_s`` is not set."""
    options: type[BaseModel] | None = None
    """The model of the provider's own settings (``judge: {options: {...}}``); None takes none."""


def _lazy(target: str) -> Callable[[ProviderSettings], Provider]:
    module, attr = target.split(":")

    def factory(settings: ProviderSettings) -> Provider:
        built: Provider = getattr(importlib.import_module(module), attr)(settings)
        return built

    factory.__qualname__ = target
    return factory


_BUILTIN: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec(
            "anthropic",
            _lazy("genjudge.llm.providers.anthropic:from_settings"),
            key_env="ANTHROPIC_API_KEY",
        ),
        ProviderSpec(
            "local",
            _lazy("genjudge.llm.providers.local:from_settings"),
            needs_model=False,
            # A CPU verdict can take tens of seconds on a busy machine, and cannot be interrupted.
            default_timeout_s=600.0,
        ),
        ProviderSpec(
            "openai", _lazy("genjudge.llm.providers.openai:from_settings"), key_env="OPENAI_API_KEY"
        ),
    )
}
_REGISTERED: dict[str, ProviderSpec] = {}


def register(spec: ProviderSpec) -> ProviderSpec:
    """Add a provider for this process (a package declares an entry point instead)."""
    if spec.name in _BUILTIN or _REGISTERED.get(spec.name, spec) is not spec:
        raise ValueError(f"two providers are named {spec.name!r}")
    _REGISTERED[spec.name] = spec
    return spec


def _plugins() -> dict[str, Any]:
    from genjudge.plugins import PROVIDERS, discover

    return dict(discover(PROVIDERS, set(_BUILTIN)))


def names() -> list[str]:
    """Sorted names of every provider: built-in, registered, and declared by plugins (not imported)."""
    return sorted(set(_BUILTIN) | set(_REGISTERED) | set(_plugins()))


def get(name: str) -> ProviderSpec:
    """The spec registered under ``name``; a plugin's module is imported here, on first use."""
    plugins = _plugins()  # also fails on a plugin that reuses a built-in name
    spec = _BUILTIN.get(name) or _REGISTERED.get(name)
    if spec is not None:
        return spec
    plugin = plugins.get(name)
    if plugin is None:
        raise ConfigError(f"unknown judge provider {name!r}; known: {', '.join(names())}")
    loaded = plugin.load()
    if not isinstance(loaded, ProviderSpec):
        raise plugin.error(
            f"expected a genjudge.llm.registry.ProviderSpec, got {type(loaded).__name__} (see docs/extending.md)"
        )
    if loaded.name != name:
        raise plugin.error(f"the entry point is named {name!r} but the provider's name is {loaded.name!r}")
    _REGISTERED[name] = loaded
    return loaded


def build(settings: ProviderSettings) -> Provider:
    """The provider ``settings.provider`` names, built from ``settings``."""
    spec = get(settings.provider)
    provider = spec.build(settings)
    for attr in ("name", "model", "generate", "aclose"):
        if not hasattr(provider, attr):
            raise ConfigError(f"provider {spec.name!r} built a {type(provider).__name__} without {attr!r}")
    return provider
