"""Judge calls through the providers' batch APIs, by the real SDKs against a loopback server.

The server (tests/llm/batch_loopback.py) speaks OpenAI's files + batches endpoints and Anthropic's
message batches; synchronous calls land in ``seen``, batch items in ``batch_seen``.
"""

from __future__ import annotations

import json
import logging

import pytest

from genjudge.errors import ConfigError
from genjudge.judge import Judge, JudgeSettings
from genjudge.llm.batch_journal import BatchJournal
from genjudge.llm.cache import CallCache
from genjudge.llm.errors import ProviderStopped
from genjudge.llm.types import ChatRequest, ChatResponse
from genjudge.records import Status
from tests.llm.batch_loopback import BatchLoopback
from tests.llm.loopback import Loopback, Reply

MODEL = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}
# USD per million tokens (input, output) at the standard price, from genjudge/data/prices.json.
STANDARD = {"openai": (0.15, 0.6), "anthropic": (1.0, 5.0)}
PROVIDERS = pytest.mark.parametrize("provider", ["openai", "anthropic"])


@pytest.fixture
async def server():
    s = await BatchLoopback().start()
    yield s
    await s.stop()


def index(seen) -> int:
    return int(seen.user.split("Source ")[1].split(".")[0])


def items(n: int, start: int = 0) -> list[dict[str, str]]:
    return [{"source": f"Source {i}.", "output": f"Output {i}."} for i in range(start, n)]


def settings(server, provider: str, tmp_path, **kw) -> JudgeSettings:
    base = {
        "provider": provider,
        "model": MODEL[provider],
        "base_url": server.base_url if provider == "openai" else server.anthropic_url,
        "api_key_env": "GJ_TEST_NO_KEY",
        "cache_path": tmp_path / "cache.sqlite",
        "batch": True,
        "batch_poll_s": 0.02,
        "batch_collect_s": 0.05,
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.05,
    }
    return JudgeSettings(**{**base, **kw})


def tokens(seen, content: str) -> tuple[int, int]:
    """The loopback's own token counts for one answered request (tests/llm/loopback.py)."""
    return (len(seen.system) + len(seen.user)) // 4, max(1, len(content) // 4)


def cost(provider: str, pairs: list[tuple[int, int]], factor: float) -> float:
    price_in, price_out = STANDARD[provider]
    return sum(i * price_in + o * price_out for i, o in pairs) / 1e6 * factor


def journal(tmp_path) -> dict[str, int]:
    j = BatchJournal(tmp_path / "cache-batches.sqlite")
    try:
        return j.states()
    finally:
        j.close()


FOUR = json.dumps({"reason": "fine", "score": 4})


@PROVIDERS
async def test_a_full_batch_answers_every_call_once_at_half_the_price(server, provider, tmp_path):
    server.responder = lambda seen: Reply(content=FOUR)
    async with Judge(settings(server, provider, tmp_path)) as judge:
        out = await judge.grade("faithfulness", items(12))
        meter = judge.meter
    assert [v.value for v in out] == [4.0] * 12 and all(v.status is Status.OK for v in out)
    assert server.creations == 1 and server.seen == []
    assert sorted(index(s) for s in server.batch_seen) == list(range(12))
    body = server.batch_seen[0].body
    if provider == "openai":
        assert server.uploads[0]["purpose"] == "batch"
        (batch,) = server.batches.values()
        assert batch["endpoint"] == "/v1/chat/completions" and batch["completion_window"] == "24h"
        assert body["response_format"]["json_schema"]["strict"] is True
    else:
        # The body the synchronous path sends: the forced verdict tool, temperature in the params.
        assert body["tool_choice"] == {"type": "tool", "name": "faithfulness"}
        assert body["temperature"] == 0.0 and "extra_body" not in body
    assert meter.calls == 12 and meter.cached == 0 and meter.errors == 0
    pairs = [tokens(s, FOUR) for s in server.batch_seen]
    assert (meter.input_tokens, meter.output_tokens) == tuple(map(sum, zip(*pairs, strict=True)))
    assert meter.cost_usd == pytest.approx(cost(provider, pairs, 0.5), rel=1e-9)
    assert meter.cost_usd == pytest.approx(cost(provider, pairs, 1.0) / 2, rel=1e-9)
    assert meter.evaluation_cost_usd == pytest.approx(meter.cost_usd)
    assert sum(v.cost_usd for v in out) == pytest.approx(meter.cost_usd)
    assert journal(tmp_path) == {"done": 1}
    cache = CallCache(tmp_path / "cache.sqlite")
    assert len(cache) == 12
    cache.close()

    # Run again: every call is a cache hit, nothing is batched, the whole evaluation is still
    # priced at the batch rate.
    async with Judge(settings(server, provider, tmp_path)) as judge:
        again = await judge.grade("faithfulness", items(12))
        meter2 = judge.meter
    assert [v.value for v in again] == [4.0] * 12
    assert server.creations == 1 and meter2.cached == 12 and meter2.calls == 0
    assert meter2.evaluation_cost_usd == pytest.approx(meter.cost_usd)


@PROVIDERS
async def test_cache_hits_are_not_batched(server, provider, tmp_path):
    server.responder = lambda seen: Reply(content=FOUR)
    async with Judge(settings(server, provider, tmp_path, batch=False)) as judge:
        await judge.grade("faithfulness", items(5))
    assert len(server.seen) == 5 and server.creations == 0
    async with Judge(settings(server, provider, tmp_path)) as judge:
        out = await judge.grade("faithfulness", items(12))
        meter = judge.meter
    assert [v.value for v in out] == [4.0] * 12
    assert server.creations == 1 and len(server.seen) == 5
    assert sorted(index(s) for s in server.batch_seen) == list(range(5, 12))
    assert meter.cached == 5 and meter.calls == 7


@PROVIDERS
async def test_failed_batch_items_are_retried_one_by_one(server, provider, tmp_path, caplog):
    def responder(seen):
        i = index(seen)
        if seen.protocol.endswith("batch"):
            if i % 4 == 0:
                return Reply(status=500, content=f"item {i} failed")
            if i == 5:
                return Reply(body={"nonsense": True})  # a malformed answer in the output file
        if i == 8:
            return Reply(status=400, content="item 8 is refused everywhere")
        return Reply(content=FOUR)

    server.responder = responder
    async with Judge(settings(server, provider, tmp_path)) as judge:
        out = await judge.grade("faithfulness", items(12))
        meter = judge.meter
    assert server.creations == 1
    # The failed and malformed items, and only they, went through the synchronous path, once each
    # (item 8's 400 is not retried there either).
    assert sorted(index(s) for s in server.seen) == [0, 4, 5, 8]
    assert [v.status for v in out] == [Status.OK] * 8 + [Status.ERROR] + [Status.OK] * 3
    assert all(v.value == 4.0 for i, v in enumerate(out) if i != 8)
    reason = out[8].reason or ""
    assert "item 8 is refused everywhere" in reason and "retried one by one after batch" in reason
    assert meter.errors == 1 and meter.calls == 12 + 4
    # The batch's answers at half the price, the synchronous ones at the full price.
    by_item = {index(s): s for s in server.batch_seen}
    batch_pairs = [tokens(by_item[i], FOUR) for i in range(12) if i not in (0, 4, 5, 8)]
    sync_pairs = [tokens(s, FOUR) for s in server.seen if index(s) != 8]
    expected = cost(provider, batch_pairs, 0.5) + cost(provider, sync_pairs, 1.0)
    assert meter.cost_usd == pytest.approx(expected, rel=1e-9)
    assert journal(tmp_path) == {"done": 1}


@PROVIDERS
async def test_an_expired_batch_keeps_its_answers_and_the_rest_are_asked_one_by_one(
    server, provider, tmp_path
):
    server.responder = lambda seen: Reply(content=FOUR)
    server.expire = lambda seen: index(seen) % 3 == 0
    async with Judge(settings(server, provider, tmp_path)) as judge:
        out = await judge.grade("faithfulness", items(12))
        meter = judge.meter
    assert [v.value for v in out] == [4.0] * 12
    assert server.creations == 1
    assert sorted(index(s) for s in server.batch_seen) == [1, 2, 4, 5, 7, 8, 10, 11]
    assert sorted(index(s) for s in server.seen) == [0, 3, 6, 9]
    if provider == "openai":
        (batch,) = server.batches.values()
        assert batch["status"] == "expired" and batch["output_file_id"] and batch["error_file_id"]
    pairs_batch = [tokens(s, FOUR) for s in server.batch_seen]
    pairs_sync = [tokens(s, FOUR) for s in server.seen]
    assert meter.cost_usd == pytest.approx(
        cost(provider, pairs_batch, 0.5) + cost(provider, pairs_sync, 1.0), rel=1e-9
    )


@PROVIDERS
async def test_a_batch_past_the_max_wait_is_left_running_and_resumed_by_the_next_run(
    server, provider, tmp_path
):
    server.responder = lambda seen: Reply(content=FOUR)
    server.hold = True
    async with Judge(settings(server, provider, tmp_path, batch_max_wait_s=0.2)) as judge:
        out = await judge.grade("faithfulness", items(6))
    assert all(v.status is Status.ERROR for v in out)
    assert "run the same command again to resume it" in (out[0].reason or "")
    assert server.creations == 1 and server.seen == [] and journal(tmp_path) == {"open": 1}

    server.hold = False
    async with Judge(settings(server, provider, tmp_path)) as judge:
        out = await judge.grade("faithfulness", items(6))
        batcher = judge._client.batcher  # type: ignore[union-attr]
        assert batcher is not None and (batcher.resumed, batcher.submitted) == (1, 0)
    assert [v.value for v in out] == [4.0] * 6
    assert server.creations == 1 and server.seen == [] and journal(tmp_path) == {"done": 1}


@PROVIDERS
async def test_results_that_cannot_be_read_are_read_again_not_bought_again(server, provider, tmp_path):
    server.responder = lambda seen: Reply(content=FOUR)
    server.result_failures = 2  # two failed reads, then the third works
    async with Judge(settings(server, provider, tmp_path)) as judge:
        out = await judge.grade("faithfulness", items(4))
    assert [v.value for v in out] == [4.0] * 4 and server.seen == [] and server.result_failures == 0

    server.result_failures = 5  # five in a row: the batch is left open for the next run
    async with Judge(settings(server, provider, tmp_path)) as judge:
        out = await judge.grade("faithfulness", items(8, start=4))
    assert all(v.status is Status.ERROR for v in out) and server.seen == []
    assert "could not be read 5 times in a row" in (out[0].reason or "")
    assert journal(tmp_path) == {"done": 1, "open": 1}
    async with Judge(settings(server, provider, tmp_path)) as judge:
        out = await judge.grade("faithfulness", items(8, start=4))
    assert [v.value for v in out] == [4.0] * 4
    assert server.creations == 2 and server.seen == [] and journal(tmp_path) == {"done": 2}


@PROVIDERS
async def test_a_passing_fault_when_sending_is_tried_again(server, provider, tmp_path):
    server.responder = lambda seen: Reply(content=FOUR)
    server.create_status, server.create_refusals = 503, 2
    async with Judge(settings(server, provider, tmp_path)) as judge:
        out = await judge.grade("faithfulness", items(4))
    assert [v.value for v in out] == [4.0] * 4
    assert server.creations == 1 and server.seen == [] and server.create_refusals == 0
    assert journal(tmp_path) == {"done": 1}


class _SmallBodies(BatchLoopback):
    max_body = 8 * 1024  # one request fits, a batch of 12 does not: HTTP 413


@PROVIDERS
async def test_a_batch_refused_for_its_size_is_sent_one_by_one(provider, tmp_path, caplog):
    small = await _SmallBodies(lambda seen: Reply(content=FOUR)).start()
    try:
        with caplog.at_level(logging.WARNING, logger="genjudge"):
            async with Judge(settings(small, provider, tmp_path)) as judge:
                out = await judge.grade("faithfulness", items(12))
                meter = judge.meter
    finally:
        await small.stop()
    assert [v.value for v in out] == [4.0] * 12 and len(small.seen) == 12 and small.creations == 0
    assert "413" in caplog.text and "go one by one" in caplog.text
    # Nothing was sent in a batch: one attempt per call, at the standard price.
    assert meter.calls == 12
    assert meter.cost_usd == pytest.approx(
        cost(provider, [tokens(s, FOUR) for s in small.seen], 1.0), rel=1e-9
    )


async def test_a_server_without_a_batch_api_gets_the_calls_one_by_one(tmp_path, caplog):
    plain = await Loopback(lambda seen: Reply(content=FOUR)).start()
    try:
        with caplog.at_level(logging.WARNING, logger="genjudge"):
            async with Judge(settings(plain, "openai", tmp_path)) as judge:
                out = await judge.grade("faithfulness", items(6))
    finally:
        await plain.stop()
    assert [v.value for v in out] == [4.0] * 6 and len(plain.seen) == 6
    assert "could not be sent" in caplog.text and journal(tmp_path) == {"failed": 1}


@PROVIDERS
async def test_a_batch_cancelled_by_someone_else_is_sent_one_by_one(server, provider, tmp_path):
    import asyncio

    server.responder = lambda seen: Reply(content=FOUR)
    server.hold = True
    async with Judge(settings(server, provider, tmp_path)) as judge:
        grading = asyncio.ensure_future(judge.grade("faithfulness", items(4)))
        for _ in range(200):
            await asyncio.sleep(0.02)
            if server.retrieves:
                break
        (batch_id,) = server.batches
        # Cancelled from outside (the provider's console, another script), through the real SDK.
        if provider == "openai":
            import openai

            async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x") as sdk:
                assert (await sdk.batches.cancel(batch_id)).status == "cancelling"
        else:
            import anthropic

            async with anthropic.AsyncAnthropic(base_url=server.anthropic_url, api_key="x") as sdk:
                assert (await sdk.messages.batches.cancel(batch_id)).processing_status == "canceling"
        out = await grading
    assert [v.value for v in out] == [4.0] * 4
    assert server.creations == 1 and server.batch_seen == [] and len(server.seen) == 4
    assert journal(tmp_path) == {"done": 1}


async def test_a_batch_rejected_as_a_whole_is_sent_one_by_one(server, tmp_path):
    server.responder = lambda seen: Reply(content=FOUR)
    server.reject = "line 1: the model is not available for batches"
    async with Judge(settings(server, "openai", tmp_path)) as judge:
        out = await judge.grade("faithfulness", items(4))
    assert [v.value for v in out] == [4.0] * 4
    assert server.creations == 1 and server.batch_seen == [] and len(server.seen) == 4
    assert journal(tmp_path) == {"done": 1}


@PROVIDERS
async def test_credentials_refused_by_the_batch_api_stop_the_run(server, provider, tmp_path):
    server.create_status = 401
    async with Judge(settings(server, provider, tmp_path)) as judge:
        with pytest.raises(ProviderStopped, match="refused the credentials"):
            await judge.grade("faithfulness", items(4))
    assert server.seen == [] and journal(tmp_path) == {"failed": 1}


class _NoBatch:
    name = "nobatch"
    model = "fixed"

    async def generate(self, request: ChatRequest) -> ChatResponse:
        return ChatResponse(text=FOUR)

    async def aclose(self) -> None:
        return None


async def test_batch_settings_are_checked(tmp_path):
    uncached = JudgeSettings(provider="openai", model="gpt-4o-mini", batch=True, api_key_env="GJ_TEST_NO_KEY")
    with pytest.raises(ConfigError, match="batch: true needs cache_path"):
        await Judge(uncached, provider=_NoBatch()).open()  # type: ignore[arg-type]
    s = JudgeSettings(provider="openai", model="gpt-4o-mini", batch=True, cache_path=tmp_path / "c.sqlite")
    assert s.batch_journal == tmp_path / "c-batches.sqlite"
    judge = Judge(s, provider=_NoBatch())  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="has no batch API"):
        await judge.open()


def test_batch_prices_are_half_the_standard_ones_and_can_be_overridden(tmp_path):
    from genjudge.llm.prices import Price, PriceTable

    table = PriceTable.load()
    # gpt-4o: 2.50 / 10.00 USD per million tokens; batch 1.25 / 5.00 (OpenAI's pricing page).
    assert table.lookup_batch("openai", "gpt-4o") == Price(1.25, 5.0)
    # claude-sonnet-4*: 3 / 15; batch 1.50 / 7.50 (Anthropic's batch-processing page).
    assert table.lookup_batch("anthropic", "claude-sonnet-4-5") == Price(1.5, 7.5)
    assert table.lookup_batch("local", "any") == Price(0.0, 0.0)
    assert table.lookup_batch("openai", "no-such-model") is None
    user = tmp_path / "prices.json"
    user.write_text(
        json.dumps(
            {"_batch_discount": {"openai": 0.4}, "acme/m": {"input_per_mtok": 1, "output_per_mtok": 2}}
        )
    )
    custom = PriceTable.load(user)
    assert custom.lookup_batch("openai", "gpt-4o") == Price(1.0, 4.0)
    assert custom.lookup_batch("anthropic", "claude-sonnet-4-5") == Price(1.5, 7.5)
    assert custom.lookup("acme", "m") == Price(1.0, 2.0) and custom.lookup_batch("acme", "m") is None
    user.write_text(json.dumps({"_batch_discount": {"openai": 1.5}}))
    with pytest.raises(ConfigError, match="not in"):
        PriceTable.load(user)
