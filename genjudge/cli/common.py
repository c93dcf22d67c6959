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
