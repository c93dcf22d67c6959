"""Per (provider, model) limiter: a concurrency cap and optional RPM / TPM budgets.

The budgets are token buckets refilled continuously (capacity one minute's budget), the standard
way provider rate limits are specified (OpenAI, Anthropic). Each *attempt* is admitted separately,
because each attempt is a request the provider counts.

A retry is served a concurrency slot before first attempts that are still queued: it has already
waited what the server asked (``Retry-After``) or its backoff, and sending it behind the whole queue
would add the rest of the run to that wait. First attempts, and retries among themselves, stay FIFO.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

__all__ = ["Limiter", "Slots", "TokenBucket"]


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


class Slots:
    """A counting semaphore that serves waiting retries before waiting first attempts."""

    def __init__(self, count: int) -> None:
        self._free = count
        self._retries: deque[asyncio.Future[None]] = deque()
        self._firsts: deque[asyncio.Future[None]] = deque()

    def locked(self) -> bool:
        """True when no slot is free."""
        return self._free == 0

    async def acquire(self, *, retry: bool = False) -> None:
        """Take a slot, waiting for one (ahead of every first attempt when ``retry``)."""
        if self._free > 0 and not self._retries and not self._firsts:
            self._free -= 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._retries if retry else self._firsts
        queue.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # handed a slot, then cancelled before it could use it
            else:
                fut.cancel()
                with suppress(ValueError):
                    queue.remove(fut)
            raise

    def release(self) -> None:
        """Give a slot back: to the first waiting retry, else the first waiting first attempt."""
        for queue in (self._retries, self._firsts):
            while queue:
                fut = queue.popleft()
                if not fut.done():
                    fut.set_result(None)
                    return
        self._free += 1


class Limiter:
    """Concurrency cap plus optional requests-per-minute and tokens-per-minute buckets."""

    def __init__(self, concurrency: int, *, rpm: float | None = None, tpm: float | None = None) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        self.concurrency = concurrency
        self._slots = Slots(concurrency)
        self._rpm = TokenBucket(rpm) if rpm else None
        self._tpm = TokenBucket(tpm) if tpm else None

    @asynccontextmanager
    async def slot(self, est_tokens: int = 0, *, retry: bool = False) -> AsyncIterator[None]:
        """Hold one concurrency slot for the duration of an attempt; ``retry``: the attempt is a
        retry, served before first attempts still waiting."""
        if self._rpm is not None:
            await self._rpm.take(1)
        if self._tpm is not None and est_tokens:
            await self._tpm.take(est_tokens)
        await self._slots.acquire(retry=retry)
        try:
            yield
        finally:
            self._slots.release()
