"""Progress of long work as typed events: stages, checks and judge calls, with a running tally.

A workflow owns one :class:`ProgressTracker` and calls it as work happens; the tracker keeps the
tally (items, checks, judge calls, cache hits, errors, tokens, cost, elapsed, ETA) and hands every
change to the caller's callback as a :class:`ProgressEvent` carrying a :class:`ProgressSnapshot`.
Judge calls are counted where they are metered: :func:`genjudge.llm.meter.observe_calls` reports
each logical call of any :class:`~genjudge.llm.meter.Meter` in the current context.

The callback runs on the thread that did the work; it should be quick (the terminal displays in
``genjudge.cli.progress`` only redraw at most a few times a second).
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["EventKind", "ProgressCallback", "ProgressEvent", "ProgressSnapshot", "ProgressTracker"]


class EventKind(enum.StrEnum):
    """What just happened."""

    STAGE_STARTED = "stage_started"
    STAGE_FINISHED = "stage_finished"
    CHECK_FINISHED = "check_finished"
    CALL_FINISHED = "call_finished"
    """One logical judge call ended (answered, from the cache, or failed after its retries)."""
    MESSAGE = "message"
    """A sentence the user should see (e.g. how many items the verdicts cover)."""
    FINISHED = "finished"


@dataclass(frozen=True)
class ProgressSnapshot:
    """The tally at one moment."""

    items: int = 0
    """Items the workflow scores."""
    items_done: int = 0
    """Items scored so far (estimated from judge calls while a judge works; exact at stage ends)."""
    checks: int = 0
    checks_done: int = 0
    calls: int = 0
    """Logical judge calls finished (cache hits included)."""
    calls_expected: int | None = None
    """Judge calls the workflow expects to make, where it knows; None otherwise."""
    calls_label: str = "judge calls"
    """What the calls are, as the display names them (``genjudge generate``: model calls)."""
    cached: int = 0
    """Judge calls answered from the cache."""
    errors: int = 0
    """Judge calls that failed after their retries."""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    """Cost of the calls whose price is known."""
    cost_known: bool = True
    """False once a call reached a provider whose price is unknown: ``cost_usd`` is then a lower bound."""
    stage: str | None = None
    """The stage running now."""
    elapsed_s: float = 0.0
    eta_s: float | None = None
    """Seconds left, from the pace of judge calls so far; None when there is no basis for a guess."""


@dataclass(frozen=True)
class ProgressEvent:
    """One change, with the tally after it."""

    kind: EventKind
    snapshot: ProgressSnapshot
    detail: str | None = None
    """The stage or check name, or the message."""


ProgressCallback = Callable[[ProgressEvent], None]


class ProgressTracker:
    """Keeps the tally and reports each change to ``callback`` (or to nobody)."""

    def __init__(
        self, callback: ProgressCallback | None = None, *, clock: Callable[[], float] = time.monotonic
    ):
        self._callback = callback
        self._clock = clock
        self._start = clock()
        self._calls_start: float | None = None
        self._scoring_done = False
        self._lock = threading.Lock()
        self._snap = ProgressSnapshot()

    @property
    def snapshot(self) -> ProgressSnapshot:
        with self._lock:
            return self._refresh()

    def plan(
        self,
        *,
        items: int | None = None,
        checks: int | None = None,
        calls: int | None = None,
        calls_label: str | None = None,
    ) -> None:
        """Say how much work there is (any of items, checks and expected calls, and what the calls are)."""
        with self._lock:
            update: dict[str, Any] = {}
            if calls_label is not None:
                update["calls_label"] = calls_label
            if items is not None:
                update["items"] = items
            if checks is not None:
                update["checks"] = checks
            if calls is not None:
                update["calls_expected"] = calls
            self._snap = replace(self._snap, **update)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Report a stage's start and end around the work inside the ``with``."""
        self._emit(EventKind.STAGE_STARTED, name, stage=name)
        yield
        self._emit(EventKind.STAGE_FINISHED, name, stage=None)

    def check_finished(self, name: str) -> None:
        with self._lock:
            self._snap = replace(self._snap, checks_done=self._snap.checks_done + 1)
        self._emit(EventKind.CHECK_FINISHED, name)

    def scoring_finished(self) -> None:
        """Every item is scored (or counted unscored): ``items_done`` becomes exact."""
        with self._lock:
            self._scoring_done = True

    def message(self, text: str) -> None:
        self._emit(EventKind.MESSAGE, text)

    def finished(self) -> None:
        self.scoring_finished()
        self._emit(EventKind.FINISHED, None, stage=None)

    def on_call(self, record: Any) -> None:
        """Count one logical judge call (a :class:`~genjudge.llm.meter.CallMeter`)."""
        with self._lock:
            s = self._snap
            if self._calls_start is None:
                self._calls_start = self._clock()
            attempted = bool(record.attempts)
            self._snap = replace(
                s,
                calls=s.calls + 1,
                cached=s.cached + bool(record.cached),
                errors=s.errors + (not record.ok),
                input_tokens=s.input_tokens
                + (record.input_tokens or 0 if record.ok and not record.cached else 0),
                output_tokens=s.output_tokens
                + (record.output_tokens or 0 if record.ok and not record.cached else 0),
                cost_usd=s.cost_usd + (record.cost_usd or 0.0 if attempted else 0.0),
                cost_known=s.cost_known and not (attempted and record.cost_usd is None),
            )
        self._emit(EventKind.CALL_FINISHED, None)

    def _refresh(self) -> ProgressSnapshot:
        now = self._clock()
        s = self._snap
        done, eta = s.items_done, None
        if self._scoring_done:
            done = s.items
        elif s.calls_expected:
            fraction = min(1.0, s.calls / s.calls_expected)
            done = min(s.items, int(s.items * fraction))
            if s.calls and self._calls_start is not None:
                pace = (now - self._calls_start) / s.calls
                eta = max(0.0, (s.calls_expected - s.calls) * pace)
        self._snap = replace(s, items_done=done, elapsed_s=now - self._start, eta_s=eta)
        return self._snap

    def _emit(self, kind: EventKind, detail: str | None, **update: Any) -> None:
        with self._lock:
            if update:
                self._snap = replace(self._snap, **update)
            snap = self._refresh()
        if self._callback is not None:
            self._callback(ProgressEvent(kind, snap, detail))
