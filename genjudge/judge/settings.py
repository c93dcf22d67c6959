"""Judge settings: the ``judge:`` mapping of a run config."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from genjudge.llm.registry import ProviderSpec

__all__ = ["JudgeSettings"]


class JudgeSettings(BaseModel):
    """How to reach the judge and how hard to push it. Unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str = "local"
    """A registered provider (:mod:`genjudge.llm.registry`): ``local``, ``openai``, ``anthropic`` or a
    plugin's."""
    model: str | None = None
    """Model name; for ``local`` a label (default: the bundled Qwen2.5-Coder-1.5B-Instruct Q4_K_M)."""
    base_url: str | None = None
    """An OpenAI-compatible server (vLLM, llama.cpp, Ollama...) or an Anthropic-compatible proxy."""
    api_key_env: str | None = None
    """Environment variable holding the key (default OPENAI_API_KEY / ANTHROPIC_API_KEY)."""
    concurrency: int = Field(16, ge=1)
    """Calls in flight at once (the local provider always runs one at a time)."""
    rpm: float | None = Field(None, gt=0)
    """Requests-per-minute budget (each attempt counts)."""
    tpm: float | None = Field(None, gt=0)
    """Tokens-per-minute budget (estimated as prompt chars / 4 + max_tokens)."""
    timeout_s: float | None = Field(None, gt=0)
    """Per-attempt timeout; None = 60 s for a remote provider, 600 s for local (a CPU verdict can
    take tens of seconds on a busy machine, and a timed-out local call cannot be interrupted)."""
    max_attempts: int = Field(6, ge=1)
    """Attempts per call, the first included."""
    temperature: float = Field(0.0, ge=0)
    max_tokens: int = Field(256, ge=16)
    cache_path: Path | None = None
    """SQLite file of cached judge answers; None disables the cache."""
    threads: int = Field(2, ge=1)
    """Local provider: CPU threads for llama.cpp (set explicitly; the default is 2)."""
    model_path: Path | None = None
    """Local provider: a GGUF file to use instead of the bundled model."""
    n_ctx: int = Field(4096, ge=512)
    """Local provider: context length."""
    logprob_weighting: bool = False
    """Score = probability-weighted mean of the scale where the provider returns log-probs."""
    structured_output: bool = True
    """Send the verdict schema as structured output (response_format / forced tool)."""
    prices_path: Path | None = None
    """A JSON price table that extends genjudge/data/prices.json."""
    backoff_initial_s: float = Field(0.3, gt=0)
    """First backoff step after a failure without ``Retry-After``: the first retry waits 1/3 to all
    of it, each later one a doubled step (see :class:`genjudge.llm.client._Wait`)."""
    backoff_max_s: float = Field(60.0, gt=0)
    """Cap of the exponential backoff (a server's ``Retry-After`` is not capped by it)."""
    max_retry_after_s: float = Field(120.0, gt=0)
    """Longest ``Retry-After`` honoured; a server asking for longer ends that call as an error."""
    batch: bool = False
    """Send the calls the cache cannot answer through the provider's batch API (openai: the Batch
    API; anthropic: Message Batches): half the price, answers within 24 h. See docs/judge.md."""
    batch_poll_s: float = Field(30.0, gt=0)
    """Batch: seconds between two looks at a running batch."""
    batch_max_wait_s: float = Field(86_400.0, gt=0)
    """Batch: longest this invocation waits for a batch; one still running is left to run, its
    calls end as errors, and the same command run again resumes it."""
    batch_collect_s: float = Field(1.0, gt=0)
    """Batch: calls are collected until none has arrived for this long, then sent as one batch."""
    batch_journal_path: Path | None = None
    """Batch: the SQLite journal of submitted batches; default ``<cache>-batches.sqlite`` beside
    ``cache_path``."""
    options: dict[str, Any] = Field(default_factory=dict)
    """The provider's own settings, for a provider that declares them (a plugin's)."""

    @field_validator("provider")
    @classmethod
    def _registered(cls, value: str) -> str:
        from genjudge.llm import registry

        if value not in registry.names():
            raise ValueError(f"unknown judge provider {value!r}; known: {', '.join(registry.names())}")
        return value

    breaker_failures: int = Field(25, ge=0)
    """Circuit breaker: after this many attempts in a row failed (429s aside: they are retried after
    the wait the server asks for; a success resets the count), the
    remaining calls end at once as errors without reaching the provider (0 turns the breaker off)."""
    max_input_tokens: int | None = Field(None, ge=64)
    """Per-call prompt budget (estimated as characters / 4). An item whose prompt is longer is not
    sent: it is unscored with the reason. None = n_ctx - max_tokens for local, 100,000 otherwise."""

    @model_validator(mode="after")
    def _defaults(self) -> JudgeSettings:
        spec = self.spec
        if spec.needs_model and not self.model:
            raise ValueError(f"provider {self.provider!r} needs a model name")
        if self.options and spec.options is None:
            raise ValueError(f"provider {self.provider!r} takes no options")
        if spec.options is not None:
            spec.options.model_validate(self.options)  # its message names the field
        return self

    @property
    def batch_journal(self) -> Path | None:
        """Where submitted batches are journaled (None without a cache or an explicit path)."""
        if self.batch_journal_path is not None:
            return self.batch_journal_path
        if self.cache_path is None:
            return None
        return self.cache_path.with_name(f"{self.cache_path.stem}-batches.sqlite")

    @property
    def spec(self) -> ProviderSpec:
        """The provider's :class:`~genjudge.llm.registry.ProviderSpec`."""
        from genjudge.llm import registry

        return registry.get(self.provider)

    @property
    def model_name(self) -> str:
        from genjudge.llm.local_model import DEFAULT_MODEL_NAME

        if self.model:
            return self.model
        if self.provider != "local":
            return self.provider  # a plugin provider that needs no model name
        return self.model_path.stem if self.model_path else DEFAULT_MODEL_NAME

    @property
    def attempt_timeout_s(self) -> float:
        if self.timeout_s is not None:
            return self.timeout_s
        return self.spec.default_timeout_s

    @property
    def input_budget(self) -> int:
        if self.max_input_tokens is not None:
            return self.max_input_tokens
        return self.n_ctx - self.max_tokens if self.provider == "local" else 100_000

    @property
    def key_env(self) -> str | None:
        return self.api_key_env or self.spec.key_env
