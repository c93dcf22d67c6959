"""Progress on the terminal: a live line while a run or a validation works.

On a terminal (stderr), a rich live display redraws a few times a second: the stage, items and
checks done, judge calls (cache hits, errors), tokens and cost so far, elapsed time and ETA. When
stderr is not a terminal (CI logs, a file) it prints a plain line at most every ``interval``
seconds and one at the end. ``--quiet`` shows neither. Messages (what is being validated) are
printed to stdout in every mode.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

from genjudge.progress import EventKind, ProgressEvent, ProgressSnapshot

__all__ = ["progress_display", "progress_line"]


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = round(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _count(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 10_000 else str(n)


def progress_line(s: ProgressSnapshot) -> str:
    """One line of the tally, e.g. ``score · items 30/60 · checks 2/3 · judge calls 60/120 ...``."""
    parts = [s.stage or "done", f"items {s.items_done}/{s.items}"]
    if s.checks:
        parts.append(f"checks {s.checks_done}/{s.checks}")
    if s.calls or s.calls_expected:
        of = f"/{s.calls_expected}" if s.calls_expected else ""
        parts.append(f"{s.calls_label} {s.calls}{of} (cached {s.cached}, errors {s.errors})")
        parts.append(f"tokens {_count(s.input_tokens)} in / {_count(s.output_tokens)} out")
        parts.append(f"cost ${s.cost_usd:.4f}{'' if s.cost_known else ' + unknown'}")
    parts.append(f"elapsed {_clock(s.elapsed_s)}")
    if s.eta_s is not None:
        parts.append(f"ETA {_clock(s.eta_s)}")
    return " · ".join(parts)


@contextmanager
def progress_display(
    *, quiet: bool = False, interval: float = 10.0, terminal: bool | None = None
) -> Iterator[Callable[[ProgressEvent], None]]:
    """A progress callback for the work inside the ``with``, drawn as the terminal allows."""
    from rich.console import Console

    console = Console(stderr=True)
    live_mode = console.is_terminal if terminal is None else terminal

    def message(event: ProgressEvent) -> bool:
        if event.kind is EventKind.MESSAGE:
            typer.echo(event.detail)
            return True
        return False

    if quiet:

        def messages_only(event: ProgressEvent) -> None:
            message(event)

        yield messages_only
        return
    if live_mode:
        from rich.live import Live
        from rich.text import Text

        with Live(Text("starting"), console=console, refresh_per_second=4, transient=True) as live:
            last = [0.0]

            def draw(event: ProgressEvent) -> None:
                if message(event):
                    return
                now = time.monotonic()
                # Redrawing on every judge call would cost more than the calls; rich refreshes anyway.
                if event.kind is EventKind.CALL_FINISHED and now - last[0] < 0.2:
                    return
                last[0] = now
                live.update(Text(progress_line(event.snapshot)))

            yield draw
        return

    state: dict[str, Any] = {"last": time.monotonic()}

    def plain(event: ProgressEvent) -> None:
        if message(event):
            return
        now = time.monotonic()
        if event.kind is EventKind.FINISHED:
            print(f"progress: {progress_line(event.snapshot)}", file=sys.stderr, flush=True)
        elif now - state["last"] >= interval:
            state["last"] = now
            print(f"progress: {progress_line(event.snapshot)}", file=sys.stderr, flush=True)

    yield plain
