"""The client layer, built once outside the providers.

From outside in: cache lookup → (identical in-flight calls coalesced) → retries with exponential
backoff and jitter that honour ``Retry-After`` exactly (tenacity; :class:`_Wait`) → limiter slot
per attempt → the provider's turn, where it has one → per-attempt timeout → provider call. The
limiter is taken per attempt rather than around the retries so that a call sleeping out a
``Retry-After`` does not hold a concurrency slot idle; the RPM budget still counts every attempt, because the provider does. A
retry is served a slot before first attempts still queued, so it goes out when its wait ends.

Two guards stop a run from hammering a provider that cannot answer. Credentials refused (401 /
403, :class:`~genjudge.llm.errors.AuthError`) stop the run at once: the call raises
:class:`~genjudge.llm.errors.ProviderStopped`, and so does every later call. And a circuit breaker
opens after ``breaker_failures`` attempts in a row failed (timeouts, 5xx, 4xx; a success resets
the count): from then on calls, and retries still queued, end at once as errors (``circuit open: …``) without reaching the provider, so the items are
recorded as errored with the reason and the run's failure share says the run failed.

With batches on (:meth:`LLMClient.use_batches`), a cache miss is sent through the provider's batch
API instead (:mod:`genjudge.llm.batch`); what the batch does not answer comes back here and takes
the synchronous path, retries and all.

An ``accept`` predicate keeps answers that cannot be used (an unparseable verdict) out of the
cache, so a re-run asks again; a cached answer it rejects is treated as a miss.

A provider whose work cannot be interrupted (``interruptible = False``: the local model) offers
``turn()``, held until its previous generation has really finished, and taken before the timeout's
clock starts, so that a timeout covers only the call's own generation. Its timeouts are final:
the abandoned generation still runs, and a retry would only queue another behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from genjudge.errors import ConfigError
from genjudge.llm.cache import CallCache, cache_key
from genjudge.llm.errors import (
    AttemptTimeout,
    AuthError,
    CallError,
    CircuitOpen,
    ProviderStopped,
    RateLimitError,
)
from genjudge.llm.limiter import Limiter
from genjudge.llm.meter import CallMeter, Meter
from genjudge.llm.prices import PriceTable
from genjudge.llm.types import ChatRequest, ChatResponse, Provider

if TYPE_CHECKING:
    from genjudge.llm.batch import BatchRunner

__all__ = ["CallOutcome", "LLMClient"]


@dataclass(frozen=True)
class CallOutcome:
    """One logical call: the answer or the final error, and what it cost."""

    response: ChatResponse | None
    error: str | None
    """``ExceptionType: message`` of the final failure after retries."""
    meter: CallMeter


RETRY_AFTER_SPREAD_S = 0.005
"""At most this much is added to a server's ``Retry-After``: callers told the same second do not
land in the same millisecond, and none comes back noticeably later than it was told."""


class _Wait:
    """The wait before one call's next attempt: the server's ``Retry-After`` when it gave one, else
    exponential backoff with jitter. One per call (it counts that call's backoffs).

    ``Retry-After`` is honoured as given (plus at most :data:`RETRY_AFTER_SPREAD_S`), not capped at
    the backoff maximum: coming back sooner than the server asked only earns another 429, later
    only slows the run. A wait longer than ``max_retry_after_s`` is not waited at all (see
    :meth:`LLMClient._retryable`).

    Without ``Retry-After`` (a 5xx, a timeout) the k-th backoff of the call (k = 0, 1, ...) is drawn
    uniformly from ``[step / 3, step]``, ``step = min(maximum, initial * 2^k)``: the first quick
    (0.1-0.3 s with the default ``initial`` 0.3 s), spread so that calls that failed together do
    not come back together, never 0 (straight back into the same fault), and growing while the
    fault lasts. Waits that followed a ``Retry-After`` do not count: a call told to wait by a 429
    and then answered 500 retries the 500 as quickly as a call whose first answer was the 500.
    """

    def __init__(self, initial: float, maximum: float, rng: random.Random) -> None:
        self.initial, self.maximum, self.rng = initial, maximum, rng
        self.backoffs = 0

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = getattr(exc, "retry_after", None)
        if after is not None:
            return float(after) + self.rng.uniform(0, RETRY_AFTER_SPREAD_S)
        step = min(self.maximum, self.initial * 2**self.backoffs)
        self.backoffs += 1
        return self.rng.uniform(step / 3, step)


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
        backoff_initial_s: float = 0.3,
        backoff_max_s: float = 60.0,
        max_retry_after_s: float = 120.0,
        breaker_failures: int = 0,
        seed: int = 0,
    ) -> None:
        self.provider = provider
        self.limiter = limiter
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.cache = cache
        self.meter = Meter()
        table = prices or PriceTable.load()
        self.price = table.lookup(provider.name, provider.model)
        self.batch_price = table.lookup_batch(provider.name, provider.model)
        """The price through the provider's batch API (None: unknown)."""
        self.batcher: BatchRunner | None = None
        """Set (:meth:`use_batches`): cache misses go through the provider's batch API."""
        self.max_retry_after_s = max_retry_after_s
        self.interruptible = getattr(provider, "interruptible", True)
        self._turn = getattr(provider, "turn", None) or contextlib.nullcontext
        # Settings of the provider that change its answers (endpoint, model file...), read once.
        identity = getattr(provider, "identity", None)
        self.identity: dict[str, Any] = identity() if identity is not None else {}
        self.backoff_initial_s, self.backoff_max_s = backoff_initial_s, backoff_max_s
        self._rng = random.Random(seed)
        self._inflight: dict[str, asyncio.Future[CallOutcome]] = {}
        self.breaker_failures = breaker_failures
        """Consecutive failed attempts that open the circuit (0: never)."""
        self._failures_in_row = 0
        self.circuit_open: str | None = None
        """Why the circuit opened (None while closed)."""
        self.stopped: str | None = None
        """Why the provider stopped the run (credentials refused); None while it has not."""
        self._priced: set[str] = set()

    def _price(self, key: str, resp: ChatResponse) -> float | None:
        """The answer's cost for the whole-evaluation total: counted once per distinct call."""
        if key in self._priced:
            return 0.0
        self._priced.add(key)
        price = self.batch_price if resp.batch else self.price
        if price is None or resp.input_tokens is None or resp.output_tokens is None:
            return None
        return price.cost(resp.input_tokens, resp.output_tokens)

    def key(self, request: ChatRequest, extra: dict[str, Any]) -> str:
        """The cache key of ``request`` plus ``extra`` (rubric id / version, sample index...)."""
        return cache_key(
            {
                "provider": self.provider.name,
                "model": self.provider.model,
                "identity": self.identity,
                "request": request.model_dump(mode="json"),
                "extra": extra,
            }
        )

    def _retryable(self, exc: BaseException) -> bool:
        if not isinstance(exc, CallError) or not exc.retryable:
            return False
        if isinstance(exc, AttemptTimeout) and not self.interruptible:
            return False
        return exc.retry_after is None or exc.retry_after <= self.max_retry_after_s

    async def call(
        self,
        request: ChatRequest,
        *,
        extra: dict[str, Any] | None = None,
        accept: Callable[[ChatResponse], bool] | None = None,
    ) -> CallOutcome:
        """Answer ``request`` from the cache or the provider.

        Never raises a CallError; raises :class:`ProviderStopped` once the provider refused the
        credentials. ``accept``: only answers it accepts are cached (and served from the cache).
        """
        if self.stopped is not None:
            raise ProviderStopped(self.stopped)
        key = self.key(request, extra or {})
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                resp = ChatResponse.model_validate(hit)
                if accept is None or accept(resp):
                    priced = self._price(key, resp)
                    m = CallMeter(0.0, resp.input_tokens, resp.output_tokens, 0.0, True, 0, True, 0.0, priced)
                    self.meter.add(m)
                    return CallOutcome(resp, None, m)
        if self.circuit_open is not None:
            m = CallMeter(0.0, None, None, 0.0, False, 0, False)
            self.meter.add(m)
            return CallOutcome(None, f"CircuitOpen: {self.circuit_open}", m)
        while (pending := self._inflight.get(key)) is not None:
            # The same call is already on the wire: share its answer rather than paying twice.
            try:
                out = await asyncio.shield(pending)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if pending.cancelled() and task is not None and not task.cancelling():
                    continue  # the owner was cancelled, not this caller: make the call itself
                raise
            tokens = (out.meter.input_tokens, out.meter.output_tokens)
            m = CallMeter(0.0, *tokens, 0.0, True, 0, out.meter.ok, 0.0, 0.0 if out.meter.ok else None)
            self.meter.add(m)
            return CallOutcome(out.response, out.error, m)
        fut: asyncio.Future[CallOutcome] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            if self.batcher is not None:
                out = await self._batched(key, request, accept)
            else:
                out = await self._live(key, request, accept)
        except asyncio.CancelledError:
            fut.cancel()  # abandoned, not failed: a waiter still waiting takes the call over
            raise
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # mark retrieved when nobody waits
            raise
        else:
            fut.set_result(out)
            return out
        finally:
            del self._inflight[key]

    async def _live(
        self,
        key: str,
        request: ChatRequest,
        accept: Callable[[ChatResponse], bool] | None,
        prior_attempts: int = 0,
    ) -> CallOutcome:
        attempts = prior_attempts  # a batch's attempt at the call, when it is retried here
        queued = 0.0
        start = time.perf_counter()
        est = (len(request.system) + len(request.user)) // 4 + request.max_tokens
        resp: ChatResponse | None = None
        error: str | None = None
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=_Wait(self.backoff_initial_s, self.backoff_max_s, self._rng),
            retry=retry_if_exception(self._retryable),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    asked = time.perf_counter()
                    retry = attempt.retry_state.attempt_number > 1
                    async with self.limiter.slot(est, retry=retry), self._turn():
                        queued += time.perf_counter() - asked
                        # Calls that queued while the provider stopped or the circuit opened are not sent.
                        if self.stopped is not None:
                            raise ProviderStopped(self.stopped)
                        if self.circuit_open is not None:
                            raise CircuitOpen(self.circuit_open)
                        attempts += 1
                        try:
                            async with asyncio.timeout(self.timeout_s):
                                resp = await self.provider.generate(request)
                        except TimeoutError:
                            self._failed(f"AttemptTimeout: {self._timeout_message()}")
                            raise AttemptTimeout(self._timeout_message()) from None
                        except CallError as exc:
                            # A 429 asks us to slow down (honoured by the retries); it is not a broken provider.
                            if not isinstance(exc, (AuthError, RateLimitError)):
                                self._failed(f"{type(exc).__name__}: {exc}")
                            raise
        except AuthError as exc:
            self.stop_for(exc)
            raise ProviderStopped(self.stopped) from None
        except CallError as exc:
            error = f"{type(exc).__name__}: {exc}"
            if exc.retryable and exc.retry_after is not None and exc.retry_after > self.max_retry_after_s:
                error += (
                    f" (gave up: the server asked to wait {exc.retry_after:g} s, more than "
                    f"max_retry_after_s = {self.max_retry_after_s:g} s)"
                )
        queue_ms = queued * 1000.0
        latency = (time.perf_counter() - start) * 1000.0 - queue_ms
        if resp is None:
            # Failed attempts cost nothing countable, unless the model's price is unknown at all.
            cost0 = None if self.price is None else 0.0
            m = CallMeter(latency, None, None, cost0, False, attempts, False, queue_ms)
            self.meter.add(m)
            return CallOutcome(None, error or "no answer", m)
        self._failures_in_row = 0
        if self.cache is not None and (accept is None or accept(resp)):
            self.cache.put(key, resp.model_dump(mode="json"))
        cost = None
        if self.price is not None and resp.input_tokens is not None and resp.output_tokens is not None:
            cost = self.price.cost(resp.input_tokens, resp.output_tokens)
        priced = self._price(key, resp)
        m = CallMeter(
            latency, resp.input_tokens, resp.output_tokens, cost, False, attempts, True, queue_ms, priced
        )
        self.meter.add(m)
        return CallOutcome(resp, None, m)

    def stop_for(self, exc: AuthError) -> str:
        """The provider refused the credentials: no further call is sent. Returns why."""
        self.stopped = (
            f"the {self.provider.name} provider refused the credentials (HTTP {exc.status}): {exc}; "
            "check the key (judge.api_key_env) and the model's access, then re-run"
        )
        return self.stopped

    async def _batched(
        self, key: str, request: ChatRequest, accept: Callable[[ChatResponse], bool] | None
    ) -> CallOutcome:
        """A cache miss answered through the provider's batch API; what it did not answer goes
        through the synchronous path (:meth:`_live`), retries and all."""
        assert self.batcher is not None
        start = time.perf_counter()
        got = await self.batcher.call(key, request, accept)
        latency = (time.perf_counter() - start) * 1000.0
        resp = got.response
        if resp is None:
            if got.final:
                m = CallMeter(latency, None, None, None if self.price is None else 0.0, False, 0, False)
                self.meter.add(m)
                return CallOutcome(None, f"BatchPending: {got.reason}", m)
            # The batch's attempt counts: the call went over the wire in it.
            out = await self._live(key, request, accept, prior_attempts=int(got.sent))
            if out.error is not None:
                return CallOutcome(None, f"{out.error} (retried one by one after {got.reason})", out.meter)
            return out
        cost = None
        if self.batch_price is not None and resp.input_tokens is not None and resp.output_tokens is not None:
            cost = self.batch_price.cost(resp.input_tokens, resp.output_tokens)
        priced = self._price(key, resp)
        m = CallMeter(latency, resp.input_tokens, resp.output_tokens, cost, False, 1, True, 0.0, priced)
        self.meter.add(m)
        return CallOutcome(resp, None, m)

    def _failed(self, error: str) -> None:
        self._failures_in_row += 1
        if self.breaker_failures and self._failures_in_row >= self.breaker_failures and not self.circuit_open:
            self.circuit_open = (
                f"the last {self._failures_in_row} attempts to {self.provider.name}/{self.provider.model} all "
                f"failed (last: {error}); no further calls were sent"
            )

    def _timeout_message(self) -> str:
        message = f"no answer within {self.timeout_s:g} s"
        if not self.interruptible:
            message += (
                f"; not retried: a {self.provider.name} generation cannot be interrupted and "
                "runs to completion, so a retry would only queue behind it"
            )
        return message

    def use_batches(
        self, journal_path: Path, *, poll_s: float, max_wait_s: float, collect_s: float = 1.0
    ) -> BatchRunner:
        """Send cache misses through the provider's batch API (``batch_api()``), journaled in
        ``journal_path``; a provider without one is a ConfigError."""
        from genjudge.llm.batch import BatchRunner
        from genjudge.llm.batch_journal import BatchJournal

        make = getattr(self.provider, "batch_api", None)
        if make is None:
            raise ConfigError(
                f"the {self.provider.name} provider has no batch API (judge.batch works with openai and anthropic)"
            )
        self.batcher = BatchRunner(
            make(),
            BatchJournal(journal_path),
            provider=self.provider.name,
            model=self.provider.model,
            cache=self.cache,
            stop=self.stop_for,
            poll_s=poll_s,
            max_wait_s=max_wait_s,
            collect_s=collect_s,
        )
        return self.batcher

    async def aclose(self) -> None:
        if self.batcher is not None:
            await self.batcher.aclose()
        await self.provider.aclose()
        if self.cache is not None:
            self.cache.close()
