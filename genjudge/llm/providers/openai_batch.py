"""The OpenAI Batch API for the openai provider (:class:`~genjudge.llm.batch.BatchAPI`).

The requests go up as one JSONL file (``files.create``, purpose ``batch``), each line a
``/v1/chat/completions`` request with its ``custom_id`` and the body the synchronous path sends;
``batches.create`` starts the batch (completion window 24 h); ``batches.retrieve`` polls it. Once it
has ended (completed, expired, failed, cancelled) the output file and the error file are read
(``files.content``) and each line is mapped back by ``custom_id``: a 200 line is parsed as the
synchronous path parses a chat completion; any other line says why it has no answer. An expired
batch keeps what it finished; the rest are missing from both files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from genjudge.llm.batch import BatchState
from genjudge.llm.errors import CallError
from genjudge.llm.providers._batch import SdkBatchAPI
from genjudge.llm.providers._sdk import sdk_errors
from genjudge.llm.types import ChatRequest, ChatResponse

__all__ = ["OpenAIBatchAPI"]

ENDED = frozenset({"completed", "expired", "failed", "cancelled"})


class OpenAIBatchAPI(SdkBatchAPI):
    """The Batch API through the provider's own ``AsyncOpenAI`` client."""

    max_items = 50_000
    """The Batch API's limit of requests per batch."""

    async def submit(self, requests: list[tuple[str, ChatRequest]]) -> str:
        lines = [
            json.dumps(
                {
                    "custom_id": cid,
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": self._params_of(request),
                },
                ensure_ascii=False,
            )
            for cid, request in requests
        ]
        data = ("\n".join(lines) + "\n").encode("utf-8")
        with sdk_errors(self._sdk):
            upload = await self._client.files.create(file=("genjudge-batch.jsonl", data), purpose="batch")
            batch = await self._client.batches.create(
                input_file_id=upload.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
                metadata={"source": "genjudge"},
            )
        return str(batch.id)

    async def poll(self, batch_id: str) -> BatchState:
        with sdk_errors(self._sdk):
            batch = await self._client.batches.retrieve(batch_id)
        detail = None
        errors = getattr(batch.errors, "data", None) if batch.errors is not None else None
        if errors:
            detail = "; ".join(f"{e.code}: {e.message}" for e in errors[:3])
        return BatchState(batch.status in ENDED, str(batch.status), detail)

    async def results(self, batch_id: str) -> dict[str, ChatResponse | str]:
        with sdk_errors(self._sdk):
            batch = await self._client.batches.retrieve(batch_id)
            texts = []
            for file_id in (batch.output_file_id, batch.error_file_id):
                if file_id:
                    content = await self._client.files.content(file_id)
                    texts.append(content.text)
        found: dict[str, ChatResponse | str] = {}
        for text in texts:
            for number, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    cid = obj["custom_id"]
                except (ValueError, KeyError, TypeError):
                    continue  # a line that names no request cannot be mapped; its call is retried
                found[str(cid)] = _line_result(obj, number, self._parse)
        return found


def _line_result(
    obj: dict[str, Any], number: int, parse: Callable[[Any], ChatResponse]
) -> ChatResponse | str:
    error = obj.get("error")
    if isinstance(error, dict):
        return f"{error.get('code') or 'error'}: {error.get('message') or ''}".strip()
    response = obj.get("response")
    if not isinstance(response, dict):
        return f"line {number} has neither a response nor an error"
    status = response.get("status_code")
    body = response.get("body")
    if status != 200:
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
        if not isinstance(message, str):
            message = json.dumps(body)[:200]
        return f"HTTP {status}: {message}"
    try:
        return parse(body)
    except CallError as exc:
        return f"{type(exc).__name__}: {exc}"
