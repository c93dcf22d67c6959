"""Per (provider, model) limiter: a concurrency cap and optional RPM / TPM budgets.

The budgets are token buckets refilled continuously (capacity one minute's budget), the standard
way provider rate limits are specified (OpenAI, Anthropic). Each *attempt* is admitted separately,
because each attempt is a request the provider counts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["Limiter", "TokenBucket"]


class TokenBucket:
    """``rate_per_min`` units per minute, bursting up to one minute's worth."""

    def __init__(self, rate_per_min: float) -> None:
        if rate_per_min <= 0:
            raise ValueError(f"rate_per_min must be > 0, got {rate_per_min}")
        self.capacity = float(rate_per_min)
        self.rate = rate_per_min / 60.0
        self.level = self.capacity
        self.stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self, amount: float) -> None:
        amount = min(float(amount), self.capacity)
        async with self._lock:  # FIFO: the first waiter is served first
            while True:
                now = time.monotonic()
                self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.level >= amount:
                    self.level -= amount
                    return
                await asyncio.sleep((amount - self.level) / self.rate)


class Limiter:
    """Concurrency cap plus optional requests-per-minute and tokens-per-minute buckets."""

    def __init__(self, concurrency: int, *, rpm: float | None = None, tpm: float | None = None) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        self.concurrency = concurrency
        self._sem = asyncio.Semaphore(concurrency)
        self._rpm = TokenBucket(rpm) if rpm else None
        self._tpm = TokenBucket(tpm) if tpm else None

    @asynccontextmanager
    async def slot(self, est_tokens: int = 0) -> AsyncIterator[None]:
        """Hold one concurrency slot for the duration of an attempt."""
        if self._rpm is not None:
            await self._rpm.take(1)
        if self._tpm is not None and est_tokens:
            await self._tpm.take(est_tokens)
        async with self._sem:
            yield
