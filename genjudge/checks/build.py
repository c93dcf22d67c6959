"""Build the checks a run config names, validating every option before anything is scored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genjudge.checks import get
from genjudge.config import RunConfig
from genjudge.errors import ConfigError, one_line

__all__ = ["build_checks"]


def build_checks(
    config: RunConfig, base_dir: Path | None = None, present: frozenset[str] = frozenset()
) -> list[Any]:
    """Instantiate the configured checks; any bad name or option is a ConfigError, before scoring.

    ``present``: fields both output files carry (``probs``, ``logprobs``), which add default checks.

    Options are validated with ``context={"base_dir": ...}`` so an option naming a file (a schema,
    a rubric) can resolve a relative path against the config's folder.
    """
    built = []
    for name, options in config.check_specs(present).items():
        cls: Any = get(name)
        if config.task not in cls.tasks:
            raise ConfigError(f"check {name!r} does not apply to task {config.task.value!r}")
        try:
            opts = cls.Options.model_validate(options, context={"base_dir": base_dir or Path.cwd()})
        except Exception as exc:  # pydantic's message names the field
            raise ConfigError(f"check {name!r}: invalid options: {one_line(exc)}") from None
        built.append(cls(config.task, opts))
    return built
