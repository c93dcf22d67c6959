"""The client layer end to end through the real openai / anthropic SDKs and a loopback server."""

from __future__ import annotations

import asyncio
import json

import pytest

from genjudge.judge import Judge, JudgeSettings, load_rubric
from genjudge.llm.client import RETRY_AFTER_SPREAD_S
from genjudge.records import Status
from tests.llm.loopback import Reply, verdict

RUBRIC = load_rubric("faithfulness")


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """The waits the retry strategy computes, in order (asserted on instead of the wall clock)."""
    from genjudge.llm import client

    seen: list[float] = []
    real = client._Wait.__call__

    def spy(self, state):
        seen.append(real(self, state))
        return seen[-1]

    monkeypatch.setattr(client._Wait, "__call__", spy)
    return seen


def settings(lb, provider="openai", **kw) -> JudgeSettings:
    base = dict(
        provider=provider,
        model="gpt-4o-mini" if provider == "openai" else "claude-haiku-4-5",
        base_url=lb.base_url if provider == "openai" else lb.anthropic_url,
        api_key_env="GJ_TEST_NO_KEY",
        concurrency=8,
        timeout_s=5,
        max_attempts=3,
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
    )
    base.update(kw)
    return JudgeSettings(**base)


def items(n: int) -> list[dict]:
    return [
        {"source": f"Source {i}: the council approved the plan.", "output": f"Output {i}."} for i in range(n)
    ]


async def test_ok_verdicts_tokens_and_cost(loopback):
    loopback.responder = lambda seen: verdict(reason="supported", score=5)
    async with Judge(settings(loopback)) as judge:
        out = await judge.grade(RUBRIC, items(5))
        meter = judge.meter
    assert [v.status for v in out] == [Status.OK] * 5
    assert [v.value for v in out] == [5.0] * 5
    assert len(loopback.seen) == 5 and meter.calls == 5 and meter.retries == 0
    # The loopback counts prompt tokens as (len(system) + len(user)) // 4 and completion tokens as
    # len(content) // 4; gpt-4o-mini costs 0.15 / 0.60 USD per million tokens (data/prices.json).
    content = json.dumps({"reason": "supported", "score": 5})
    pin = sum((len(s.system) + len(s.user)) // 4 for s in loopback.seen)
    pout = 5 * (len(content) // 4)
    assert meter.input_tokens == pin and meter.output_tokens == pout
    assert meter.cost_usd == pytest.approx((pin * 0.15 + pout * 0.60) / 1e6)
    # Structured output goes out as a JSON schema; the SDK's own retries are off (5 requests).
    body = loopback.seen[0].body
    assert body["response_format"]["json_schema"]["schema"] == RUBRIC.json_schema
    assert body["temperature"] == 0.0


async def test_rerun_hits_cache_and_makes_zero_calls(loopback, tmp_path):
    s = settings(loopback, cache_path=tmp_path / "cache.sqlite")
    async with Judge(s) as judge:
        first = await judge.grade(RUBRIC, items(6))
    assert len(loopback.seen) == 6
    async with Judge(s) as judge:
        again = await judge.grade(RUBRIC, items(6))
        meter = judge.meter
    assert len(loopback.seen) == 6  # nothing new on the wire
    assert meter.calls == 0 and meter.cached == 6
    assert [v.value for v in again] == [v.value for v in first] and all(v.cached for v in again)
    # A different rubric version is a different key: it is asked again.
    bumped = RUBRIC.model_copy(update={"version": "2"})
    async with Judge(s) as judge:
        await judge.grade(bumped, items(1))
    assert len(loopback.seen) == 7


async def test_identical_requests_in_flight_are_coalesced(loopback):
    loopback.responder = lambda seen: Reply(content=json.dumps({"reason": "x", "score": 3}), delay=0.05)
    async with Judge(settings(loopback)) as judge:
        out = await judge.grade(RUBRIC, items(1) * 4)
    assert len(loopback.seen) == 1
    assert [v.value for v in out] == [3.0] * 4 and sum(v.cached for v in out) == 3


async def test_429_honours_retry_after_and_counts_retries(loopback, waits):
    n = {"k": 0}

    def responder(seen):
        n["k"] += 1
        if n["k"] <= 2:
            return Reply(status=429, headers={"Retry-After": "0.3"})
        return verdict(reason="ok", score=4)

    loopback.responder = responder
    async with Judge(settings(loopback, backoff_max_s=5)) as judge:
        [v] = await judge.grade(RUBRIC, items(1))
        meter = judge.meter
    assert v.status is Status.OK and v.attempts == 3
    assert len(loopback.seen) == 3 and meter.retries == 2 and meter.calls == 3
    # Retry-After 0.3 exactly, plus at most RETRY_AFTER_SPREAD_S (5 ms): not rounded up, no backoff on top.
    assert len(waits) == 2 and all(0.3 <= w <= 0.3 + RETRY_AFTER_SPREAD_S for w in waits), waits


async def test_500_exhausts_retries_and_is_recorded_as_error(loopback):
    loopback.responder = lambda seen: Reply(status=500, content="boom")
    async with Judge(settings(loopback, max_attempts=4)) as judge:
        [v] = await judge.grade(RUBRIC, items(1))
        meter = judge.meter
    assert v.status is Status.ERROR and v.value is None
    assert v.reason.startswith("ServerError") and v.attempts == 4
    assert len(loopback.seen) == 4 and meter.errors == 1


async def test_400_is_not_retried(loopback):
    loopback.responder = lambda seen: Reply(status=400, content="bad model")
    async with Judge(settings(loopback)) as judge:
        [v] = await judge.grade(RUBRIC, items(1))
    assert v.status is Status.ERROR and v.reason.startswith("RequestError") and len(loopback.seen) == 1


async def test_slow_answer_times_out_per_attempt(loopback):
    loopback.responder = lambda seen: Reply(content=json.dumps({"reason": "x", "score": 3}), delay=2.0)
    async with Judge(settings(loopback, timeout_s=0.3, max_attempts=2)) as judge:
        [v] = await judge.grade(RUBRIC, items(1))
    # Each attempt ended by its own timeout (the answer takes 2 s): two attempts, neither answered.
    assert v.status is Status.ERROR and v.reason.startswith("AttemptTimeout")
    assert len(loopback.seen) == 2 and v.attempts == 2


async def test_concurrency_cap_holds(loopback):
    loopback.responder = lambda seen: Reply(content=json.dumps({"reason": "x", "score": 2}), delay=0.05)
    async with Judge(settings(loopback, concurrency=3)) as judge:
        out = await judge.grade(RUBRIC, items(12))
    assert len(out) == 12 and loopback.max_inflight == 3


async def test_no_item_lost_under_mixed_faults(loopback):
    """Item i's fate is decided by i % 8: every item comes back, each with the right status."""
    tries: dict[int, int] = {}

    def responder(seen):
        i = int(seen.user.split("Source ")[1].split(":")[0])
        tries[i] = tries.get(i, 0) + 1
        kind = i % 8
        if kind == 1:
            return Reply(content="The output looks fine to me, well done!")  # garbage
        if kind == 2:
            return Reply(refusal="I can't help with that.")  # refusal
        if kind == 3:
            return Reply(content='{"reason": "The output is mostly', finish="length")  # truncated
        if kind == 4 and tries[i] == 1:
            return Reply(status=429, headers={"Retry-After": "0"})  # then ok
        if kind == 5 and tries[i] <= 2:
            return Reply(status=500)  # then ok
        if kind == 6:
            return verdict(reason="way off", score=9)  # out of scale
        if kind == 7:
            return Reply(status=503)  # never recovers
        return verdict(reason="fine", score=4)

    loopback.responder = responder
    async with Judge(settings(loopback)) as judge:
        out = await judge.grade(RUBRIC, items(40))
        meter = judge.meter
    assert len(out) == 40
    reasons = {i % 8: (v.status, (v.reason or "").split(":")[0]) for i, v in enumerate(out)}
    assert reasons == {
        0: (Status.OK, ""),
        1: (Status.UNSCORED, "unparseable"),
        2: (Status.UNSCORED, "refusal"),
        3: (Status.UNSCORED, "unparseable"),
        4: (Status.OK, ""),
        5: (Status.OK, ""),
        6: (Status.UNSCORED, "out-of-scale value"),
        7: (Status.ERROR, "ServerError"),
    }
    assert all(v.value is None for v in out if v.status is not Status.OK)
    # 5 items of each kind: one try for kinds 0-3 and 6, two for kind 4, three for kind 5 and 7.
    assert len(loopback.seen) == 5 * (5 * 1 + 2 + 3 + 3) == meter.calls
    assert meter.retries == 5 * (1 + 2 + 2) and meter.errors == 5


async def test_anthropic_tool_verdict_refusal_and_retry(loopback):
    n = {"k": 0}

    def responder(seen):
        n["k"] += 1
        if n["k"] == 1:
            return Reply(status=429, headers={"retry-after": "0"})
        if "Output 1." in seen.user:
            return Reply(refusal="I won't judge this.")
        return verdict(reason="supported", score=5)

    loopback.responder = responder
    async with Judge(settings(loopback, provider="anthropic", concurrency=1)) as judge:
        out = await judge.grade(RUBRIC, items(2))
        meter = judge.meter
    assert [v.status for v in out] == [Status.OK, Status.UNSCORED]
    assert out[0].value == 5.0 and out[1].reason.startswith("refusal")
    assert len(loopback.seen) == 3 and meter.retries == 1
    body = loopback.seen[-1].body
    assert body["tool_choice"] == {"type": "tool", "name": "faithfulness"}
    assert body["tools"][0]["input_schema"] == RUBRIC.json_schema
    # Claude Haiku 4.x: 1 / 5 USD per million tokens (prefix entry "anthropic/claude-haiku-4*").
    assert out[0].cost_usd == pytest.approx((out[0].input_tokens * 1.0 + out[0].output_tokens * 5.0) / 1e6)


async def test_rpm_budget_spaces_requests(loopback):
    # rpm=600 refills one request every 0.1 s. The bucket starts with a minute's burst (600), so it
    # is drained first through the client's own limiter; then 4 calls must reach the server about
    # 0.1 s apart although the concurrency cap (8) would let them all go at once.
    async with Judge(settings(loopback, rpm=600)) as judge:
        client = await judge.open()
        for _ in range(600):
            async with client.limiter.slot():
                pass
        out = await judge.grade(RUBRIC, items(4))
    assert [v.status for v in out] == [Status.OK] * 4 and len(loopback.seen) == 4
    gaps = [b.at - a.at for a, b in zip(loopback.seen, loopback.seen[1:], strict=False)]
    assert all(g >= 0.08 for g in gaps), gaps


async def test_token_bucket_waits_for_refill(monkeypatch):
    from genjudge.llm import limiter
    from genjudge.llm.limiter import TokenBucket

    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def spy(delay: float) -> None:
        slept.append(delay)
        await real_sleep(delay)

    bucket = TokenBucket(600)  # 10 per second, capacity 600
    await bucket.take(600)
    monkeypatch.setattr(limiter.asyncio, "sleep", spy)
    await bucket.take(2)  # needs 2 / 10 = 0.2 s of refill, less what refilled meanwhile
    monkeypatch.undo()
    assert slept and 0.1 <= slept[0] <= 0.2, slept


async def test_missing_key_without_base_url_is_a_config_error(monkeypatch):
    from genjudge.errors import ConfigError

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    judge = Judge(JudgeSettings(provider="openai", model="gpt-4o-mini"))
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        await judge.open()


def test_sync_edge(loopback_thread):
    judge = Judge(settings(loopback_thread))
    out = judge.grade_sync(RUBRIC, items(2))
    assert [v.value for v in out] == [4.0, 4.0] and judge.meter.calls == 2
    out = judge.grade_sync(RUBRIC, items(3))  # reopens on a new loop
    assert len(out) == 3 and judge.meter.calls == 5


@pytest.fixture
def loopback_thread():
    """A loopback server on its own loop in a thread, for the blocking edge."""
    import threading

    from tests.llm.loopback import Loopback

    loop = asyncio.new_event_loop()
    server = Loopback()
    started = threading.Event()

    def run():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    started.wait(10)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    t.join(10)
    loop.close()


async def test_cancelled_owner_does_not_cancel_the_waiters(loopback):
    # Two graders ask the same call; the first (the owner) is cancelled mid-call. The second was
    # not cancelled, so it takes the call over and gets its answer (a second request on the wire).
    loopback.responder = lambda seen: Reply(content=json.dumps({"reason": "x", "score": 3}), delay=0.2)
    async with Judge(settings(loopback)) as judge:
        owner = asyncio.create_task(judge.grade(RUBRIC, items(1)))
        await asyncio.sleep(0.05)
        waiter = asyncio.create_task(judge.grade(RUBRIC, items(1)))
        await asyncio.sleep(0.05)
        owner.cancel()
        [v] = await waiter
        with pytest.raises(asyncio.CancelledError):
            await owner
    assert v.status is Status.OK and v.value == 3.0 and not v.cached
    assert len(loopback.seen) == 2


async def test_cancelled_waiter_leaves_the_owner_alone(loopback):
    loopback.responder = lambda seen: Reply(content=json.dumps({"reason": "x", "score": 3}), delay=0.2)
    async with Judge(settings(loopback)) as judge:
        owner = asyncio.create_task(judge.grade(RUBRIC, items(1)))
        await asyncio.sleep(0.05)
        waiter = asyncio.create_task(judge.grade(RUBRIC, items(1)))
        await asyncio.sleep(0.05)
        waiter.cancel()
        [v] = await owner
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert v.status is Status.OK and len(loopback.seen) == 1


async def test_retry_after_is_honoured_beyond_backoff_max(loopback, waits):
    n = {"k": 0}

    def responder(seen):
        n["k"] += 1
        return (
            Reply(status=429, headers={"Retry-After": "0.4"})
            if n["k"] == 1
            else verdict(reason="ok", score=4)
        )

    loopback.responder = responder
    async with Judge(settings(loopback, backoff_max_s=0.05)) as judge:  # backoff cap far below 0.4 s
        [v] = await judge.grade(RUBRIC, items(1))
    assert v.status is Status.OK and v.attempts == 2
    assert len(waits) == 1 and 0.4 <= waits[0] <= 0.4 + RETRY_AFTER_SPREAD_S, waits  # not the 0.05 s cap


async def test_retry_after_beyond_max_retry_after_gives_up(loopback, waits):
    loopback.responder = lambda seen: Reply(status=429, headers={"Retry-After": "30"})
    async with Judge(settings(loopback, max_retry_after_s=1)) as judge:
        [v] = await judge.grade(RUBRIC, items(1))
    assert waits == []  # never waited the 30 s
    assert v.status is Status.ERROR and v.attempts == 1 and len(loopback.seen) == 1
    assert v.reason.startswith("RateLimitError") and "max_retry_after_s" in v.reason


async def test_cache_key_covers_base_url_and_structured_output(loopback, tmp_path):
    from tests.llm.loopback import Loopback

    cache = tmp_path / "cache.sqlite"
    async with Judge(settings(loopback, cache_path=cache)) as judge:
        await judge.grade(RUBRIC, items(1))
    async with Judge(settings(loopback, cache_path=cache, structured_output=False)) as judge:
        [v] = await judge.grade(RUBRIC, items(1))
    assert not v.cached and len(loopback.seen) == 2
    other = await Loopback().start()
    try:
        async with Judge(settings(loopback, cache_path=cache, base_url=other.base_url)) as judge:
            [v] = await judge.grade(RUBRIC, items(1))
        assert not v.cached and len(other.seen) == 1
    finally:
        await other.stop()
    async with Judge(settings(loopback, cache_path=cache)) as judge:  # the first setting: cached
        [v] = await judge.grade(RUBRIC, items(1))
    assert v.cached and len(loopback.seen) == 2


@pytest.mark.parametrize(
    "provider, body",
    [
        ("openai", {"choices": [{"index": 0, "message": "not an object", "finish_reason": "stop"}]}),
        ("openai", {"choices": [{"message": {"content": "{}"}}], "usage": {"prompt_tokens": "many"}}),
        (
            "anthropic",
            {"content": [{"type": "text", "text": "{}"}], "stop_reason": "end_turn", "usage": "lots"},
        ),
        ("anthropic", {"content": [{"type": "text", "text": "{}"}], "usage": {"input_tokens": "many"}}),
    ],
)
async def test_malformed_body_is_a_server_error_not_a_crash(loopback, provider, body):
    loopback.responder = lambda seen: Reply(body=body)
    async with Judge(settings(loopback, provider=provider, max_attempts=2)) as judge:
        out = await judge.grade(RUBRIC, items(2))
    assert [v.status for v in out] == [Status.ERROR] * 2
    assert all(v.reason.startswith("ServerError: malformed response") for v in out)
    assert len(loopback.seen) == 4  # retried like any other server fault


async def test_null_logprob_drops_weighting_not_the_answer(loopback):
    lead = {"token": '{"reason": "r", "score": ', "logprob": 0.0, "top_logprobs": []}
    score = {"token": "4", "logprob": None, "top_logprobs": [{"token": "5", "logprob": -0.1}]}
    loopback.responder = lambda seen: Reply(
        content=json.dumps({"reason": "r", "score": 4}), logprobs=[lead, score]
    )
    async with Judge(settings(loopback, logprob_weighting=True)) as judge:
        [v] = await judge.grade(RUBRIC, items(1))
    # A missing log-probability is not 0.0 (probability 1): the plain score stands, noted.
    assert v.status is Status.OK and v.value == 4.0 and "log-prob" in v.note


async def test_unknown_price_with_failed_calls_costs_null(loopback):
    from genjudge.judge.service import verdict_summary

    loopback.responder = lambda seen: Reply(status=500)
    async with Judge(settings(loopback, model="my-finetune", max_attempts=1)) as judge:
        out = await judge.grade(RUBRIC, items(2))
        meter = judge.meter
    assert meter.calls == 2 and meter.errors == 2 and meter.cost_usd is None
    assert verdict_summary(out)["cost_usd"] is None
    # A priced model whose calls all failed spent nothing countable: 0.0, not unknown.
    async with Judge(settings(loopback, max_attempts=1)) as judge:
        out = await judge.grade(RUBRIC, items(2))
        meter = judge.meter
    assert meter.cost_usd == 0.0 and verdict_summary(out)["cost_usd"] == 0.0


async def test_a_500_is_retried_quickly_then_more_slowly(loopback, waits):
    # No Retry-After: the k-th backoff of a call is drawn from [step / 3, step], step = 0.3 s x 2^k
    # (the default backoff_initial_s), so 0.1-0.3 s, then 0.2-0.6 s, then 0.4-1.2 s.
    n = {"k": 0}

    def responder(seen):
        n["k"] += 1
        return Reply(status=500) if n["k"] <= 3 else verdict(reason="ok", score=4)

    loopback.responder = responder
    async with Judge(settings(loopback, max_attempts=4, backoff_initial_s=0.3, backoff_max_s=60)) as judge:
        [v] = await judge.grade(RUBRIC, items(1))
    assert v.status is Status.OK and v.attempts == 4
    assert len(waits) == 3, waits
    for k, w in enumerate(waits):
        step = 0.3 * 2**k
        assert step / 3 <= w <= step, (k, waits)
    # The attempts went out when their waits ended (the loopback's arrival times), not later.
    gaps = [b.at - a.at for a, b in zip(loopback.seen, loopback.seen[1:], strict=False)]
    assert all(w <= g <= w + 0.25 for w, g in zip(waits, gaps, strict=True)), (waits, gaps)


async def test_a_retry_after_wait_does_not_lengthen_a_later_backoff(loopback, waits):
    # 429 (Retry-After 0.05 s), then 500, then ok: the 500's wait is a first backoff (0.1-0.3 s),
    # not a second one (0.2-0.6 s), although it follows the call's second attempt.
    replies = [Reply(status=429, headers={"Retry-After": "0.05"}), Reply(status=500)]

    def responder(seen):
        return replies.pop(0) if replies else verdict(reason="ok", score=4)

    loopback.responder = responder
    async with Judge(settings(loopback, max_attempts=3, backoff_initial_s=0.3, backoff_max_s=60)) as judge:
        [v] = await judge.grade(RUBRIC, items(1))
    assert v.status is Status.OK and v.attempts == 3
    assert len(waits) == 2 and 0.05 <= waits[0] <= 0.05 + RETRY_AFTER_SPREAD_S and 0.1 <= waits[1] <= 0.3, (
        waits
    )


async def test_a_retry_is_sent_when_its_retry_after_ends(loopback):
    # Wall clock: the retry reaches the server Retry-After (0.5 s) after the 429, not rounded up to
    # a second and with no backoff on top (0.15 s of slack for a loaded machine).
    replies = [Reply(status=429, headers={"Retry-After": "0.5"})]
    loopback.responder = lambda seen: replies.pop(0) if replies else verdict(reason="ok", score=4)
    async with Judge(settings(loopback)) as judge:
        [v] = await judge.grade(RUBRIC, items(1))
    assert v.status is Status.OK and len(loopback.seen) == 2
    gap = loopback.seen[1].at - loopback.seen[0].at
    assert 0.5 <= gap <= 0.65, gap
