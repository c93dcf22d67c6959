"""Helpers shared by the command modules."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

EXIT_RUN_FAILED = 1
"""Exit status of a run that could not do its job: too many items not scored, or the provider
refused the credentials (the message and the report's findings say why)."""
EXIT_INPUT = 2
"""Exit status for a configuration or input error (the message says which file, line and field)."""
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interruption so that the run stops the way it does on Ctrl-C."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def fail_cleanly(fn: F) -> F:
    """Turn genjudge's own errors into a one-line message on stderr and a documented exit status.

    2 for bad input or configuration; 1 when the provider stopped the run; 130 (SIGINT) or 143
    (SIGTERM) for an interrupted run, with what it had done and that a re-run resumes. Messages
    are redacted (:mod:`genjudge.redact`): no key reaches the terminal or a log.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import signal

        from genjudge.errors import GenjudgeError
        from genjudge.llm.errors import ProviderStopped
        from genjudge.outcome import current_attempt
        from genjudge.redact import redact

        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        # genjudge's warnings (a damaged cache moved aside...) go to stderr as plain lines.
        log = logging.getLogger("genjudge")
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        try:
            return fn(*args, **kwargs)
        except ProviderStopped as exc:
            if (attempt := current_attempt()) is not None:
                attempt.end("failed", redact(str(exc)) or "")
            typer.secho(f"error: the run stopped: {redact(str(exc))}", err=True, fg=typer.colors.RED)
            raise typer.Exit(EXIT_RUN_FAILED) from None
        except GenjudgeError as exc:
            if (attempt := current_attempt()) is not None:
                attempt.end("failed", redact(str(exc)) or "")
            typer.secho(f"error: {redact(str(exc))}", err=True, fg=typer.colors.RED)
            raise typer.Exit(EXIT_INPUT) from None
        except KeyboardInterrupt as exc:
            term = isinstance(exc, Terminated)
            what = "terminated (SIGTERM)" if term else "interrupted (SIGINT)"
            attempt = current_attempt()
            done = attempt.progress() if attempt is not None else "nothing had been scored yet"
            if attempt is not None:
                attempt.end("interrupted", f"{what}: {done}")
            typer.secho(
                f"{what}: {done}. Nothing was stored for this run; run the same command again and it "
                "resumes: answers already received come from the cache and are not asked again.",
                err=True,
                fg=typer.colors.YELLOW,
            )
            raise typer.Exit(EXIT_SIGTERM if term else EXIT_SIGINT) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
            log.removeHandler(handler)

    return wrapper  # type: ignore[return-value]


def read_yaml_file(path: Any) -> dict[str, Any]:
    """A YAML (or JSON) mapping from ``path``; a missing file, bad YAML or a non-mapping is a
    ConfigError naming the file (and the line, for a syntax error), never a traceback."""
    from pathlib import Path

    from genjudge.config import load_mapping

    return load_mapping(Path(path))
