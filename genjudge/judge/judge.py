"""The public judge: grade items with a rubric, judge equivalence in both orders.

One async core; ``grade_sync`` / ``equivalence_sync`` are a thin edge for scripts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from genjudge.errors import ConfigError
from genjudge.io.canonical import normalize_text
from genjudge.judge.rubric import Rubric, load_rubric
from genjudge.judge.settings import JudgeSettings
from genjudge.judge.verdict import Verdict, parse_verdict
from genjudge.llm.client import CallOutcome, LLMClient
from genjudge.llm.meter import Meter, MeterTotals
from genjudge.llm.types import ChatRequest, Provider
from genjudge.records import Status
from genjudge.redact import redact

__all__ = ["Judge", "build_provider"]


def build_provider(settings: JudgeSettings) -> Provider:
    """The provider ``settings`` names, from the provider registry (:mod:`genjudge.llm.registry`)."""
    from genjudge.llm import registry

    return registry.build(settings)


class Judge:
    """An LLM judge. Opened lazily on first use; ``aclose`` (or ``async with``) releases it."""

    def __init__(
        self, settings: JudgeSettings | dict[str, Any] | None = None, *, provider: Provider | None = None
    ):
        self.settings = (
            settings if isinstance(settings, JudgeSettings) else JudgeSettings.model_validate(settings or {})
        )
        self._provider_override = provider
        self._client: LLMClient | None = None
        self._open_lock: asyncio.Lock | None = None
        self._meter = Meter()

    async def __aenter__(self) -> Judge:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def open(self) -> LLMClient:
        if self._client is not None:
            return self._client
        if self._open_lock is None:
            self._open_lock = asyncio.Lock()
        async with self._open_lock:
            if self._client is None:
                from genjudge.llm.cache import CallCache
                from genjudge.llm.limiter import Limiter
                from genjudge.llm.prices import PriceTable

                s = self.settings
                # Joining / verifying the local model reads a gigabyte: keep the loop responsive.
                provider = self._provider_override
                if provider is None:
                    provider = await asyncio.to_thread(build_provider, s)
                concurrency = 1 if provider.name == "local" else s.concurrency
                client = LLMClient(
                    provider,
                    limiter=Limiter(concurrency, rpm=s.rpm, tpm=s.tpm),
                    timeout_s=s.attempt_timeout_s,
                    max_attempts=s.max_attempts,
                    cache=CallCache(s.cache_path) if s.cache_path else None,
                    prices=PriceTable.load(s.prices_path),
                    backoff_initial_s=s.backoff_initial_s,
                    backoff_max_s=s.backoff_max_s,
                    max_retry_after_s=s.max_retry_after_s,
                    breaker_failures=s.breaker_failures,
                )
                client.meter = self._meter
                if s.batch:
                    try:
                        if s.batch_journal is None:
                            raise ConfigError(
                                "judge: batch: true needs cache_path or batch_journal_path "
                                "(the journal of submitted batches lives there)"
                            )
                        client.use_batches(
                            s.batch_journal,
                            poll_s=s.batch_poll_s,
                            max_wait_s=s.batch_max_wait_s,
                            collect_s=s.batch_collect_s,
                        )
                    except BaseException:
                        await client.aclose()
                        raise
                self._client = client
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        self._open_lock = None
        if client is not None:
            await client.aclose()

    @property
    def meter(self) -> MeterTotals:
        """Totals over every call this judge made (cache hits, retries, tokens, cost, latency)."""
        return self._meter.totals()

    def model_info(self) -> dict[str, Any]:
        s = self.settings
        info: dict[str, Any] = {"provider": s.provider, "model": s.model_name, "base_url": redact(s.base_url)}
        if s.batch:
            info["batch"] = True  # answers came through the provider's batch API where it could
        return info

    async def _one(self, client: LLMClient, rubric: Rubric, item: dict[str, Any], sample: int) -> Verdict:
        missing = [f for f in rubric.fields if item.get(f) is None]
        if missing:
            return Verdict(status=Status.UNSCORED, reason=f"missing {', '.join(missing)}")
        system, user = rubric.render(item)
        estimate = (len(system) + len(user)) // 4
        if estimate > self.settings.input_budget:
            return Verdict(
                status=Status.UNSCORED,
                reason=(
                    f"too long: the prompt is about {estimate:,} tokens, over the judge's budget of "
                    f"{self.settings.input_budget:,} (judge.max_input_tokens); not sent"
                ),
            )
        request = ChatRequest(
            system=system,
            user=user,
            temperature=self.settings.temperature,
            max_tokens=self.settings.max_tokens,
            json_schema=rubric.json_schema,
            schema_name=rubric.id,
            logprobs=self.settings.logprob_weighting and rubric.kind == "score",
        )
        weighting = self.settings.logprob_weighting

        def usable(resp: Any) -> bool:
            # Cached: verdicts and refusals (a definite answer). Not cached: unparseable, off-scale
            # or off-schema answers, so that a re-run asks again instead of replaying garbage.
            p = parse_verdict(rubric, resp, logprob_weighting=weighting)
            return p.status is Status.OK or (p.reason or "").startswith("refusal")

        out = await client.call(request, extra={**rubric.key, "sample": sample}, accept=usable)
        return _verdict(rubric, out, weighting)

    async def grade(
        self, rubric: Rubric | str, items: Sequence[dict[str, Any]], *, sample: int = 0
    ) -> list[Verdict]:
        """One verdict per item, in order. ``sample`` separates repeated draws in the cache."""
        rubric = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
        client = await self.open()
        return list(await asyncio.gather(*(self._one(client, rubric, it, sample) for it in items)))

    async def equivalence(
        self,
        pairs: Sequence[tuple[str | None, str | None]],
        *,
        rubric: Rubric | str = "equivalence",
        sample: int = 0,
    ) -> list[Verdict]:
        """Is each (a, b) equivalent? Asked as (a, b) and (b, a); disagreement is recorded."""
        rubric = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
        if rubric.kind != "label" or set(rubric.fields) != {"text_a", "text_b"}:
            raise ConfigError(f"rubric {rubric.id!r} is not an equivalence rubric (label; text_a, text_b)")
        client = await self.open()

        async def pair(a: Any, b: Any) -> Verdict:
            if a is None or b is None:
                return Verdict(status=Status.UNSCORED, reason="missing text")
            if normalize_text(a) == normalize_text(b):
                labels = rubric.labels or {}
                top = max(labels, key=lambda k: labels[k])
                return Verdict(
                    status=Status.OK,
                    value=labels[top],
                    label=top,
                    rationale="identical after normalisation",
                    normalised_identical=True,
                )
            ab, ba = await asyncio.gather(
                self._one(client, rubric, {"text_a": a, "text_b": b}, sample),
                self._one(client, rubric, {"text_a": b, "text_b": a}, sample),
            )
            return _combine(ab, ba)

        return list(await asyncio.gather(*(pair(a, b) for a, b in pairs)))

    async def verify_claims(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        rubric: Rubric | str = "claim_support",
        threshold: float = 0.5,
        sample: int = 0,
    ) -> list[Any]:
        """One :class:`~genjudge.judge.claims.ClaimVerdict` per (context, claim): supported,
        contradicted or unverifiable (see :mod:`genjudge.judge.claims`)."""
        from genjudge.judge.claims import verify_claims

        return await verify_claims(self, pairs, rubric=rubric, threshold=threshold, sample=sample)

    def grade_sync(
        self, rubric: Rubric | str, items: Sequence[dict[str, Any]], *, sample: int = 0
    ) -> list[Verdict]:
        """Blocking edge over :meth:`grade` for scripts (not from inside a running loop)."""
        return asyncio.run(self._sync(self.grade(rubric, items, sample=sample)))

    def equivalence_sync(self, pairs: Sequence[tuple[str, str]], **kw: Any) -> list[Verdict]:
        """Blocking edge over :meth:`equivalence`."""
        return asyncio.run(self._sync(self.equivalence(pairs, **kw)))

    async def _sync(self, coro: Any) -> Any:
        try:
            return await coro
        finally:
            await self.aclose()  # the SDK clients belong to this loop


def _verdict(rubric: Rubric, out: CallOutcome, weighting: bool) -> Verdict:
    meter = out.meter.verdict_fields()
    if out.response is None:
        return Verdict(status=Status.ERROR, reason=out.error, **meter)
    p = parse_verdict(rubric, out.response, logprob_weighting=weighting)
    return Verdict(
        status=p.status,
        reason=p.reason,
        value=p.value,
        label=p.label,
        rationale=p.rationale,
        raw=out.response.text,
        note=p.note,
        **meter,
    )


def _sum(a: float | int | None, b: float | int | None) -> Any:
    return None if a is None or b is None else a + b


def _combine(ab: Verdict, ba: Verdict) -> Verdict:
    meter = dict(
        latency_ms=max(ab.latency_ms, ba.latency_ms),
        input_tokens=_sum(ab.input_tokens, ba.input_tokens),
        output_tokens=_sum(ab.output_tokens, ba.output_tokens),
        cost_usd=_sum(ab.cost_usd, ba.cost_usd),
        cached=ab.cached and ba.cached,
        attempts=ab.attempts + ba.attempts,
        label_ab=ab.label,
        label_ba=ba.label,
        raw=f"A,B: {ab.raw}\nB,A: {ba.raw}",
    )
    for order, v in (("A,B", ab), ("B,A", ba)):
        if v.status is Status.ERROR:
            return Verdict(status=Status.ERROR, reason=f"order {order}: {v.reason}", **meter)
    for order, v in (("A,B", ab), ("B,A", ba)):
        if v.status is not Status.OK:
            return Verdict(status=v.status, reason=f"order {order}: {v.reason}", **meter)
    if ab.label != ba.label:
        return Verdict(
            status=Status.UNSCORED,
            reason=f"position-inconsistent: A,B said {ab.label}, B,A said {ba.label}",
            position_inconsistent=True,
            rationale=f"A,B: {ab.rationale} | B,A: {ba.rationale}",
            **meter,
        )
    return Verdict(status=Status.OK, value=ab.value, label=ab.label, rationale=ab.rationale, **meter)
