"""Per-call metering: latency, tokens, cost, cache hits, retries; totals and latency quantiles.

The judge's meter is its own: the report shows it apart from the models under test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

__all__ = ["CallMeter", "Meter", "MeterTotals", "observe_calls"]

# Who else wants to hear of each call (progress displays), per context: a run's tasks and the threads
# they start inherit it, two runs in one process do not see each other's calls.
_OBSERVERS: ContextVar[tuple[Callable[[CallMeter], None], ...]] = ContextVar(
    "genjudge_meter_observers", default=()
)


@contextmanager
def observe_calls(callback: Callable[[CallMeter], None]) -> Iterator[None]:
    """Within the ``with`` (and the tasks and threads started in it), every meter reports each call."""
    token = _OBSERVERS.set((*_OBSERVERS.get(), callback))
    try:
        yield
    finally:
        _OBSERVERS.reset(token)


@dataclass(frozen=True)
class CallMeter:
    """What one logical call (all its attempts) cost."""

    latency_ms: float
    """Time spent in provider calls, from the first attempt to the answer, without the time spent
    waiting for a concurrency slot or a rate budget (0 for a cache hit)."""
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    """None when the price of the model is unknown."""
    cached: bool
    attempts: int
    """Provider attempts made (0 for a cache hit)."""
    ok: bool
    """False when the call ended in an error after its retries."""
    queue_ms: float = 0.0
    """Time spent waiting for a limiter slot (concurrency, RPM / TPM budgets) before the attempts."""
    priced_usd: float | None = None
    """What the answer cost when it was made, in this invocation or an earlier one (a cache hit is
    priced from its stored token counts); None when unanswered or the price is unknown."""

    def verdict_fields(self) -> dict[str, Any]:
        """The fields a verdict carries about its call (latency, tokens, cost, cached, attempts)."""
        return {
            "latency_ms": self.latency_ms,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
            "cached": self.cached,
            "attempts": self.attempts,
        }


class MeterTotals(BaseModel):
    """Totals over every logical call the judge made in a run."""

    model_config = ConfigDict(frozen=True)

    requests: int
    """Logical calls asked for (cache hits included)."""
    calls: int
    """Provider attempts sent over the wire (retries included)."""
    cached: int
    """Logical calls answered from the cache."""
    retries: int
    """Attempts beyond the first."""
    errors: int
    """Logical calls that failed after their retries."""
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    """Spent in this invocation; None when any call that reached the provider (answered or failed)
    has an unknown cost."""
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    latency_ms_p99: float | None
    evaluation_cost_usd: float | None = None
    """The whole evaluation's judge cost: every answer used, whether paid now or by an earlier
    (interrupted or repeated) invocation and read from the cache. None when a price is unknown."""
    queue_ms_p50: float | None = None
    """Time calls waited for a concurrency slot or rate budget (apart from ``latency_ms_*``)."""
    queue_ms_p95: float | None = None


class Meter:
    """Accumulates :class:`CallMeter` records (cheap: one append per call)."""

    def __init__(self) -> None:
        self.records: list[CallMeter] = []

    def add(self, record: CallMeter) -> None:
        self.records.append(record)
        for observer in _OBSERVERS.get():
            observer(record)

    def totals(self) -> MeterTotals:
        recs = self.records
        live = [r.latency_ms for r in recs if not r.cached and r.ok]
        q = np.percentile(live, [50, 95, 99]).tolist() if live else [None, None, None]
        answered = [r for r in recs if r.ok and not r.cached]
        # A failed call of a model without a price may still have been billed: unknown, not 0.
        attempted = [r for r in recs if r.attempts]
        unknown = any(r.cost_usd is None for r in attempted)
        used = [r for r in recs if r.ok]
        queued = [r.queue_ms for r in recs if not r.cached]
        qq = np.percentile(queued, [50, 95]).tolist() if queued else [None, None]
        whole = None
        if not unknown and all(r.priced_usd is not None for r in used):
            failed = sum(r.cost_usd or 0.0 for r in attempted if not r.ok)
            whole = round(sum(r.priced_usd or 0.0 for r in used) + failed, 8)
        return MeterTotals(
            requests=len(recs),
            calls=sum(r.attempts for r in recs),
            cached=sum(r.cached for r in recs),
            retries=sum(max(0, r.attempts - 1) for r in recs),
            errors=sum(not r.ok for r in recs),
            input_tokens=sum(r.input_tokens or 0 for r in answered),
            output_tokens=sum(r.output_tokens or 0 for r in answered),
            cost_usd=None if unknown else round(sum(r.cost_usd or 0.0 for r in attempted), 8),
            latency_ms_p50=q[0],
            latency_ms_p95=q[1],
            latency_ms_p99=q[2],
            evaluation_cost_usd=whole,
            queue_ms_p50=qq[0],
            queue_ms_p95=qq[1],
        )
