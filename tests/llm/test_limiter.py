"""The limiter's concurrency slots: retries are served before queued first attempts, nothing leaks."""

from __future__ import annotations

import asyncio
import re

import pytest

from genjudge.judge import Judge, JudgeSettings, load_rubric
from genjudge.llm.limiter import Slots
from genjudge.records import Status
from tests.llm.loopback import Reply, verdict


async def test_a_waiting_retry_is_served_before_waiting_first_attempts():
    slots = Slots(1)
    await slots.acquire()
    order: list[str] = []

    async def take(name: str, retry: bool) -> None:
        await slots.acquire(retry=retry)
        order.append(name)
        slots.release()

    tasks = [asyncio.create_task(take("first-a", False)), asyncio.create_task(take("first-b", False))]
    await asyncio.sleep(0)
    tasks += [asyncio.create_task(take("retry-a", True)), asyncio.create_task(take("retry-b", True))]
    await asyncio.sleep(0)
    slots.release()
    await asyncio.gather(*tasks)
    assert order == ["retry-a", "retry-b", "first-a", "first-b"]
    assert not slots.locked()


async def test_a_cancelled_waiter_takes_no_slot_and_gives_back_one_it_was_handed():
    slots = Slots(1)
    await slots.acquire()
    waiting = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)
    waiting.cancel()  # cancelled while queued: removed from the queue
    with pytest.raises(asyncio.CancelledError):
        await waiting
    handed = asyncio.create_task(slots.acquire(retry=True))
    await asyncio.sleep(0)
    slots.release()  # the slot goes to `handed` ...
    handed.cancel()  # ... which is cancelled before it runs: the slot comes back
    with pytest.raises(asyncio.CancelledError):
        await handed
    assert not slots.locked()
    await slots.acquire()
    assert slots.locked()
    slots.release()


async def _one_slot_three_items(loopback, *, retry_after: float, delay) -> list[int]:
    """Grade three items through one concurrency slot; item 0's first attempt is answered 429 with
    ``Retry-After: retry_after``, every other answer takes ``delay(item)`` seconds. Asserts all three
    end ok and returns the order in which the server saw the items' requests."""
    told: set[int] = set()

    def responder(seen) -> Reply:
        item = int(re.search(r"Source (\d+):", seen.user).group(1))
        if item == 0 and not told:
            told.add(0)
            return Reply(status=429, headers={"Retry-After": str(retry_after)})
        return Reply(content=verdict(reason="fine", score=4).content, delay=delay(item))

    loopback.responder = responder
    settings = JudgeSettings(
        provider="openai",
        model="gpt-4o-mini",
        base_url=loopback.base_url,
        api_key_env="GJ_TEST_NO_KEY",
        concurrency=1,
        timeout_s=5,
        max_attempts=3,
    )
    items = [{"source": f"Source {i}: the plan.", "output": f"Output {i}."} for i in range(3)]
    async with Judge(settings) as judge:
        out = await judge.grade(load_rubric("faithfulness"), items)
    assert [v.status for v in out] == [Status.OK] * 3
    return [int(re.search(r"Source (\d+):", s.user).group(1)) for s in loopback.seen]


async def test_a_429_retry_goes_before_items_that_never_started(loopback):
    # One slot. Item 0 is answered 429 (Retry-After 0.1 s) at once; item 1 then holds the slot for
    # 0.6 s while item 0's wait ends and item 2 is still queued. Item 0's retry gets the slot next.
    order = await _one_slot_three_items(
        loopback, retry_after=0.1, delay=lambda item: 0.6 if item == 1 else 0.0
    )
    assert order == [0, 1, 0, 2]


async def test_a_call_waiting_out_a_retry_after_holds_no_slot(loopback):
    # One slot. Item 0 is answered 429 with Retry-After 0.5 s; during that wait items 1 and 2 (0.1 s
    # each) use the slot, so they are answered before item 0's retry, and the whole run takes about
    # the wait plus one answer, not the wait plus all three.
    order = await _one_slot_three_items(loopback, retry_after=0.5, delay=lambda item: 0.1)
    assert order == [0, 1, 2, 0]
    # Item 0's retry went out when its 0.5 s ended (items 1 and 2 were done by 0.2 s).
    assert 0.5 <= loopback.seen[3].at - loopback.seen[0].at <= 0.65
