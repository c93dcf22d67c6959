"""The client layer, built once outside the providers.

From outside in: cache lookup → (identical in-flight calls coalesced) → retries with exponential
backoff and jitter that honour ``Retry-After`` (tenacity) → limiter slot per attempt → per-attempt
timeout → provider call. The limiter is taken per attempt rather than around the retries so that
a call sleeping out a ``Retry-After`` does not hold a concurrency slot idle; the RPM budget still
counts every attempt, because the provider does.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from genjudge.llm.cache import CallCache, cache_key
from genjudge.llm.errors import AttemptTimeout, CallError
from genjudge.llm.limiter import Limiter
from genjudge.llm.meter import CallMeter, Meter
from genjudge.llm.prices import PriceTable
from genjudge.llm.types import ChatRequest, ChatResponse, Provider

__all__ = ["CallOutcome", "LLMClient"]


@dataclass(frozen=True)
class CallOutcome:
    """One logical call: the answer or the final error, and what it cost."""

    response: ChatResponse | None
    error: str | None
    """``ExceptionType: message`` of the final failure after retries."""
    meter: CallMeter


class _Wait:
    """Exponential backoff with full jitter, or the server's ``Retry-After`` when it gave one."""

    def __init__(self, initial: float, maximum: float, rng: random.Random) -> None:
        self.initial, self.maximum, self.rng = initial, maximum, rng

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = getattr(exc, "retry_after", None)
        if after is not None:
            # A little jitter on top so that callers told the same second do not return together.
            return min(float(after), self.maximum) + self.rng.uniform(0, 0.1)
        cap = min(self.maximum, self.initial * 2 ** (state.attempt_number - 1))
        return self.rng.uniform(0, cap)


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, CallError) and exc.retryable


class LLMClient:
    """Cached, limited, retried, timed and metered calls to one provider."""

    def __init__(
        self,
        provider: Provider,
        *,
        limiter: Limiter,
        timeout_s: float,
        max_attempts: int,
        cache: CallCache | None = None,
        prices: PriceTable | None = None,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 60.0,
        seed: int = 0,
    ) -> None:
        self.provider = provider
        self.limiter = limiter
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.cache = cache
        self.meter = Meter()
        price = (prices or PriceTable.load()).lookup(provider.name, provider.model)
        self.price = price
        self._wait = _Wait(backoff_initial_s, backoff_max_s, random.Random(seed))
        self._inflight: dict[str, asyncio.Future[CallOutcome]] = {}

    def key(self, request: ChatRequest, extra: dict[str, Any]) -> str:
        """The cache key of ``request`` plus ``extra`` (rubric id / version, sample index...)."""
        return cache_key(
            {"provider": self.provider.name, "model": self.provider.model,
             "request": request.model_dump(mode="json"), "extra": extra}
        )

    async def call(self, request: ChatRequest, *, extra: dict[str, Any] | None = None) -> CallOutcome:
        """Answer ``request`` from the cache or the provider; never raises a CallError."""
        key = self.key(request, extra or {})
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                resp = ChatResponse.model_validate(hit)
                m = CallMeter(0.0, resp.input_tokens, resp.output_tokens, 0.0, True, 0, True)
                self.meter.add(m)
                return CallOutcome(resp, None, m)
        pending = self._inflight.get(key)
        if pending is not None:
            # The same call is already on the wire: share its answer rather than paying twice.
            out = await asyncio.shield(pending)
            m = CallMeter(0.0, out.meter.input_tokens, out.meter.output_tokens, 0.0, True, 0, out.meter.ok)
            self.meter.add(m)
            return CallOutcome(out.response, out.error, m)
        fut: asyncio.Future[CallOutcome] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            out = await self._live(key, request)
            fut.set_result(out)
            return out
        except BaseException as exc:  # cancelled: let the waiters see it too
            fut.set_exception(exc)
            fut.exception()  # mark retrieved when nobody waits
            raise
        finally:
            del self._inflight[key]

    async def _live(self, key: str, request: ChatRequest) -> CallOutcome:
        attempts = 0
        start = time.perf_counter()
        est = (len(request.system) + len(request.user)) // 4 + request.max_tokens
        resp: ChatResponse | None = None
        error: str | None = None
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    async with self.limiter.slot(est):
                        try:
                            async with asyncio.timeout(self.timeout_s):
                                resp = await self.provider.generate(request)
                        except TimeoutError:
                            raise AttemptTimeout(f"no answer within {self.timeout_s:g} s") from None
        except CallError as exc:
            error = f"{type(exc).__name__}: {exc}"
        latency = (time.perf_counter() - start) * 1000.0
        if resp is None:
            m = CallMeter(latency, None, None, None, False, attempts, False)
            self.meter.add(m)
            return CallOutcome(None, error or "no answer", m)
        if self.cache is not None:
            self.cache.put(key, resp.model_dump(mode="json"))
        cost = None
        if self.price is not None and resp.input_tokens is not None and resp.output_tokens is not None:
            cost = self.price.cost(resp.input_tokens, resp.output_tokens)
        m = CallMeter(latency, resp.input_tokens, resp.output_tokens, cost, False, attempts, True)
        self.meter.add(m)
        return CallOutcome(resp, None, m)

    async def aclose(self) -> None:
        await self.provider.aclose()
        if self.cache is not None:
            self.cache.close()
