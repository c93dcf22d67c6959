"""Provider-neutral request and response records, and the provider protocol.

A provider turns one :class:`ChatRequest` into one :class:`ChatResponse` and *classifies* its
failures as :class:`~genjudge.llm.errors.CallError` (retryable or not, with any ``Retry-After``).
It never retries, caches, limits or meters: :class:`~genjudge.llm.client.LLMClient` does that once.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

__all__ = ["ChatRequest", "ChatResponse", "Provider", "TokenLogprob"]


class ChatRequest(BaseModel):
    """One chat completion to ask for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: str
    """System instructions (the rubric)."""
    user: str
    """The user turn (the delimited texts under judgement)."""
    temperature: float = 0.0
    max_tokens: int = 512
    json_schema: dict[str, Any] | None = None
    """JSON schema the answer must follow, passed as structured output where the provider can."""
    schema_name: str = "verdict"
    logprobs: bool = False
    """Ask for token log-probabilities (top 10) where the provider returns them."""


class TokenLogprob(BaseModel):
    """One generated token with its log-probability and the top alternatives."""

    model_config = ConfigDict(frozen=True)

    token: str
    logprob: float
    top: dict[str, float] = {}


class ChatResponse(BaseModel):
    """What a provider answered. Stored as JSON in the cache."""

    model_config = ConfigDict(frozen=True)

    text: str
    """The answer's text; for a forced tool call, the tool input serialised as JSON."""
    finish_reason: str | None = None
    """``stop``, ``length`` (truncated), ``refusal``, ``content_filter``, ..."""
    refusal: str | None = None
    """The provider's refusal message, where it reports one apart from the text."""
    input_tokens: int | None = None
    output_tokens: int | None = None
    logprobs: list[TokenLogprob] | None = None
    batch: bool = False
    """Answered through the provider's batch API (priced at its batch rate)."""
    cached_tokens: int | None = None
    """Prompt tokens the server reused from its prompt cache, where it reports them."""


@runtime_checkable
class Provider(Protocol):
    """One LLM backend. Built once per run; its SDK client has its own retries off.

    Optional, read by the client where present: ``identity()`` (settings beyond ``model`` that
    change the answers, for the cache key), ``interruptible`` (False: a timed-out call still runs,
    so its timeouts are not retried) and ``turn()`` (an async context held until the provider is
    free, taken before the per-attempt timeout starts).
    """

    name: str
    model: str

    async def generate(self, request: ChatRequest) -> ChatResponse:
        """Answer one request or raise :class:`~genjudge.llm.errors.CallError`."""

    async def aclose(self) -> None:
        """Release connections, threads and models."""
