"""Judge calls through a provider's batch API: collect, journal, submit, poll, map back.

With ``batch`` on, :class:`~genjudge.llm.client.LLMClient` hands every call the cache could not
answer to a :class:`BatchRunner` instead of sending it. The runner collects the calls that arrive
together (until none has arrived for ``collect_s``), writes the batch down in the
:class:`~genjudge.llm.batch_journal.BatchJournal`, sends it through the provider's
:class:`BatchAPI`, records the provider's batch id, and only then waits, polling every
``poll_s``. When the batch has ended, each result is mapped back by its ``custom_id``, cached the
way the synchronous path caches (only answers ``accept`` takes), and handed to its caller.

Calls already covered by an open batch in the journal (a killed run, started again) are not
sent again: that batch is polled instead. An item the batch did not answer (errored, expired,
cancelled, missing, malformed) goes back to its caller as a :class:`BatchOutcome` without a
response, and the client retries it through the synchronous path with its own retries. A batch
not ended within ``max_wait_s`` of this invocation, or whose state or results could not be read
5 times in a row, is left as it is (open in the journal, running or done at the provider): its
items end as errors that say to run the same command again, which resumes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from genjudge.llm.batch_journal import BatchJournal, JournaledBatch
from genjudge.llm.cache import CallCache
from genjudge.llm.errors import AuthError, CallError, ProviderStopped
from genjudge.llm.types import ChatRequest, ChatResponse

__all__ = ["BatchAPI", "BatchOutcome", "BatchRunner", "BatchState"]

log = logging.getLogger("genjudge")

Accept = Callable[[ChatResponse], bool] | None


@dataclass(frozen=True)
class BatchState:
    """Where a provider's batch stands."""

    ended: bool
    """No more results will come (completed, expired, failed, cancelled, ended)."""
    status: str
    """The provider's own word for it."""
    detail: str | None = None
    """Why the whole batch failed, where the provider says (a rejected input file)."""


class BatchAPI(Protocol):
    """A provider's batch API: what a provider's ``batch_api()`` returns."""

    max_items: int
    """Most requests one batch may hold."""

    async def submit(self, requests: list[tuple[str, ChatRequest]]) -> str:
        """Send ``(custom_id, request)`` pairs as one batch; its provider id. Raises CallError."""

    async def poll(self, batch_id: str) -> BatchState:
        """The batch's state. Raises CallError."""

    async def results(self, batch_id: str) -> dict[str, ChatResponse | str]:
        """Each ``custom_id``'s answer, or the reason it has none (an ended batch). Raises CallError."""


@dataclass(frozen=True)
class BatchOutcome:
    """What the batch did for one call."""

    response: ChatResponse | None
    reason: str | None = None
    """Why there is no response."""
    final: bool = False
    """True: do not retry synchronously (the batch is still running; the provider stopped)."""
    sent: bool = True
    """The call went to the provider in a batch (False: the batch could not be sent)."""


@dataclass
class _Waiter:
    request: ChatRequest
    accept: Accept
    future: asyncio.Future[BatchOutcome]


class BatchRunner:
    """Batches one client's cache misses (see the module docstring)."""

    def __init__(
        self,
        api: BatchAPI,
        journal: BatchJournal,
        *,
        provider: str,
        model: str,
        cache: CallCache | None,
        stop: Callable[[AuthError], str],
        poll_s: float,
        max_wait_s: float,
        collect_s: float = 1.0,
        max_items: int | None = None,
    ) -> None:
        self.api = api
        self.provider = provider
        self.model = model
        self.cache = cache
        self.stop = stop
        """Stop the client's run (credentials refused); returns why."""
        self.journal = journal
        self.poll_s = poll_s
        self.max_wait_s = max_wait_s
        self.collect_s = collect_s
        self.max_items = min(max_items or api.max_items, api.max_items)
        self.submitted = 0
        """Batches this runner sent to the provider (resumed ones not counted)."""
        self.resumed = 0
        """Journaled batches this runner polled instead of sending."""
        self._waiting: dict[str, _Waiter] = {}
        self._last = 0.0
        self._collector: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def call(self, key: str, request: ChatRequest, accept: Accept) -> BatchOutcome:
        """The batch's answer to ``request`` (cache key ``key``); each key is asked once at a time."""
        fut: asyncio.Future[BatchOutcome] = asyncio.get_running_loop().create_future()
        self._waiting[key] = _Waiter(request, accept, fut)
        self._last = time.monotonic()
        if self._collector is None:
            self._collector = self._spawn(self._collect())
        return await asyncio.shield(fut)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _collect(self) -> None:
        # Calls of one check arrive in a burst; a batch is sent once the burst has stopped.
        while len(self._waiting) < self.max_items and time.monotonic() - self._last < self.collect_s:
            await asyncio.sleep(max(0.01, self.collect_s - (time.monotonic() - self._last)))
        group, self._waiting = self._waiting, {}
        self._collector = None
        try:
            await self._dispatch(group)
        except BaseException as exc:
            # Nobody may wait forever: a bug or a cancellation ends every call still waiting.
            _settle(group, exc)
            if not isinstance(exc, Exception):
                raise
            log.exception("batch dispatch failed")

    async def _dispatch(self, group: dict[str, _Waiter]) -> None:
        jobs = []
        left = dict(group)
        for batch in self.journal.open_batches(self.provider, self.model):
            mine = {cid: key for cid, key in batch.items.items() if key in left}
            if mine:
                self.resumed += 1
                log.warning(
                    "note: resuming the judge's batch %s (%d of its calls are wanted here)",
                    batch.batch_id,
                    len(mine),
                )
                jobs.append(self._await(batch, {key: left.pop(key) for key in mine.values()}))
        keys = list(left)
        for start in range(0, len(keys), self.max_items):
            jobs.append(self._send({k: left[k] for k in keys[start : start + self.max_items]}))
        await asyncio.gather(*jobs)

    async def _send(self, group: dict[str, _Waiter]) -> None:
        items = {f"gj-{i}": key for i, key in enumerate(group)}
        row = self.journal.begin(self.provider, self.model, items)
        try:
            batch_id = await self._submit([(cid, group[key].request) for cid, key in items.items()])
        except AuthError as exc:
            self.journal.dropped(row, f"{type(exc).__name__}: {exc}")
            _settle(group, ProviderStopped(self.stop(exc)))
            return
        except CallError as exc:
            status = f" (HTTP {exc.status})" if exc.status else ""
            note = f"{type(exc).__name__}{status}: {exc}"
            self.journal.dropped(row, note)
            log.warning(
                "warning: the batch could not be sent (%s); its %d calls go one by one", note, len(group)
            )
            _settle(group, BatchOutcome(None, f"the batch could not be sent ({note})", sent=False))
            return
        self.journal.submitted(row, batch_id)
        self.submitted += 1
        log.warning(
            "note: sent %d judge calls to %s as batch %s; polling every %g s. Stopping this run is safe: "
            "the same command run again resumes the batch",
            len(group),
            self.provider,
            batch_id,
            self.poll_s,
        )
        await self._await(JournaledBatch(row, batch_id, items), group)

    async def _submit(self, requests: list[tuple[str, ChatRequest]]) -> str:
        """Send the batch; a passing fault (429, 5xx, a timeout) is tried again, up to 3 times,
        rather than paying the full price for every call one by one."""
        for tries in range(1, 4):
            try:
                return await self.api.submit(requests)
            except CallError as exc:
                if tries == 3 or not exc.retryable or isinstance(exc, AuthError):
                    raise
                await asyncio.sleep(min(max(exc.retry_after or 0.0, self.poll_s), 60.0))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _await(self, batch: JournaledBatch, group: dict[str, _Waiter]) -> None:
        try:
            state = await self._wait_end(batch.batch_id)
            if isinstance(state, str):
                _settle(group, BatchOutcome(None, state, final=True))
                return
            results = await self._read(batch.batch_id)
        except ProviderStopped as exc:
            _settle(group, exc)
            return
        if isinstance(results, str):
            _settle(group, BatchOutcome(None, results, final=True))
            return
        cache = self.cache
        for cid, key in batch.items.items():
            waiter = group.get(key)
            if waiter is None:
                continue  # a call of the journaled batch that this invocation does not need
            got = results.get(cid)
            if isinstance(got, ChatResponse):
                resp = got.model_copy(update={"batch": True})
                if cache is not None and (waiter.accept is None or waiter.accept(resp)):
                    cache.put(key, resp.model_dump(mode="json"))
                outcome = BatchOutcome(resp)
            else:
                status = state.status if state.detail is None else f"{state.status}: {state.detail}"
                why = got or f"no result for {cid} (batch status {status})"
                outcome = BatchOutcome(None, f"batch {batch.batch_id}: {why}")
            if not waiter.future.done():
                waiter.future.set_result(outcome)
        self.journal.done(
            batch.row, state.status if state.detail is None else f"{state.status}: {state.detail}"
        )

    async def _read(self, batch_id: str) -> dict[str, ChatResponse | str] | str:
        """The ended batch's results, or why they could not be read.

        The answers are paid for: a failed read is tried again, and after 5 failures the batch
        stays open in the journal for the next run rather than being asked again one by one.
        """
        for tries in range(1, 6):
            try:
                return await self.api.results(batch_id)
            except AuthError as exc:
                raise ProviderStopped(self.stop(exc)) from None
            except CallError as exc:
                if tries == 5:
                    return (
                        f"batch {batch_id}: its results could not be read 5 times in a row "
                        f"({type(exc).__name__}: {exc}); it is kept in the journal: run the same command "
                        "again to resume it"
                    )
                await asyncio.sleep(self.poll_s)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _wait_end(self, batch_id: str) -> BatchState | str:
        """The batch's final state, or why it is not known (still running, not pollable)."""
        deadline = time.monotonic() + self.max_wait_s
        failures = 0
        while True:
            try:
                state = await self.api.poll(batch_id)
                failures = 0
            except AuthError as exc:
                raise ProviderStopped(self.stop(exc)) from None
            except CallError as exc:
                failures += 1
                if failures >= 5:
                    return (
                        f"batch {batch_id}: polling failed 5 times in a row ({type(exc).__name__}: {exc}); "
                        "it is kept in the journal: run the same command again to resume it"
                    )
                state = None
            if state is not None and state.ended:
                return state
            if time.monotonic() + self.poll_s > deadline:
                status = state.status if state is not None else "unknown"
                return (
                    f"batch {batch_id} had not ended after batch_max_wait_s = {self.max_wait_s:g} s "
                    f"(status {status}); it keeps running: run the same command again to resume it"
                )
            await asyncio.sleep(self.poll_s)

    async def aclose(self) -> None:
        """Stop waiting (the batches keep running at the provider; the journal keeps them)."""
        waiting, self._waiting = self._waiting, {}
        _settle(waiting, asyncio.CancelledError())  # collected, not yet sent: nobody waits forever
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        self.journal.close()


def _settle(group: dict[str, _Waiter], result: BatchOutcome | BaseException) -> None:
    for waiter in group.values():
        if waiter.future.done():
            continue
        if isinstance(result, BatchOutcome):
            waiter.future.set_result(result)
        elif isinstance(result, asyncio.CancelledError):
            waiter.future.cancel()
        else:
            waiter.future.set_exception(result)
            waiter.future.exception()  # retrieved: a cancelled caller is not an unhandled error
