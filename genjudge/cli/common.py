"""Helpers shared by the command modules."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INPUT = 2
"""Exit status for a configuration or input error (the message says which file, line and field)."""


def fail_cleanly(fn: F) -> F:
    """Turn genjudge's own errors into a one-line message on stderr and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from genjudge.errors import GenjudgeError

        try:
            return fn(*args, **kwargs)
        except GenjudgeError as exc:
            typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
            raise typer.Exit(EXIT_INPUT) from None

    return wrapper  # type: ignore[return-value]


def read_yaml_file(path: Any) -> dict[str, Any]:
    """A YAML (or JSON) mapping from ``path``; a missing file, bad YAML or a non-mapping is a
    ConfigError naming the file (and the line, for a syntax error), never a traceback."""
    from pathlib import Path

    import yaml

    from genjudge.errors import ConfigError

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
    return data
