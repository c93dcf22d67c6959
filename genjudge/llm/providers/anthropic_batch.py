"""Anthropic's Message Batches API for the anthropic provider (:class:`~genjudge.llm.batch.BatchAPI`).

``messages.batches.create`` takes ``[{custom_id, params}]``, ``params`` being the body the
synchronous path sends (the forced verdict tool included); ``messages.batches.retrieve`` is polled
until ``processing_status`` is ``ended``; ``messages.batches.results`` streams one JSONL line per
request: ``succeeded`` (a message, parsed as the synchronous path parses one), ``errored``,
``canceled`` or ``expired``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from genjudge.llm.batch import BatchState
from genjudge.llm.errors import CallError, ServerError
from genjudge.llm.providers._batch import SdkBatchAPI
from genjudge.llm.providers._sdk import sdk_errors
from genjudge.llm.types import ChatRequest, ChatResponse

__all__ = ["AnthropicBatchAPI"]


class AnthropicBatchAPI(SdkBatchAPI):
    """Message Batches through the provider's own ``AsyncAnthropic`` client."""

    max_items = 100_000
    """The Message Batches API's limit of requests per batch."""

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        params = dict(self._params_of(request))
        params.update(params.pop("extra_body", None) or {})  # a batch request's params are the plain body
        return params

    async def submit(self, requests: list[tuple[str, ChatRequest]]) -> str:
        body = [{"custom_id": cid, "params": self._params(request)} for cid, request in requests]
        with sdk_errors(self._sdk):
            batch = await self._client.messages.batches.create(requests=body)
        return str(batch.id)

    async def poll(self, batch_id: str) -> BatchState:
        with sdk_errors(self._sdk):
            batch = await self._client.messages.batches.retrieve(batch_id)
        return BatchState(batch.processing_status == "ended", str(batch.processing_status))

    async def results(self, batch_id: str) -> dict[str, ChatResponse | str]:
        found: dict[str, ChatResponse | str] = {}
        with sdk_errors(self._sdk), _no_results_url(self._sdk):
            stream = await self._client.messages.batches.results(batch_id)
            async for line in stream:
                result = line.result
                if result.type == "succeeded":
                    try:
                        found[line.custom_id] = self._parse(result.message.model_dump(mode="json"))
                    except CallError as exc:
                        found[line.custom_id] = f"{type(exc).__name__}: {exc}"
                elif result.type == "errored":
                    found[line.custom_id] = f"errored: {_error_text(result.error)}"
                else:
                    found[line.custom_id] = str(result.type)  # canceled / expired
        return found


@contextmanager
def _no_results_url(sdk: Any) -> Iterator[None]:
    """The SDK's own complaint (an ended batch without a results URL) as a retryable CallError."""
    try:
        yield
    except sdk.APIError:
        raise
    except sdk.AnthropicError as exc:
        raise ServerError(f"the batch's results cannot be read: {exc}") from None


def _error_text(error: Any) -> str:
    inner = getattr(error, "error", None)
    if inner is not None and getattr(inner, "message", None):
        return f"{getattr(inner, 'type', 'error')}: {inner.message}"
    try:
        return json.dumps(error.model_dump(mode="json"))[:200]
    except AttributeError:
        return str(error)[:200]
