"""What a running service is configured with (``genjudge serve`` builds it from its options)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_KEY_ENVS", "ServiceSettings"]

DEFAULT_KEY_ENVS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")
"""Environment variables a request may name as its judge's ``api_key_env``."""


class ServiceSettings(BaseModel):
    """The service's configuration: where its store, tokens and files are, and its limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    store_url: str
    """SQLAlchemy URL of the store: runs, jobs, validation decisions (as ``genjudge run`` finds it)."""
    tokens_file: Path
    """The bearer tokens: names and hashes (``genjudge serve token add NAME`` writes it)."""
    root: Path
    """Files named in a request (configs, sets, outputs, rated samples) must lie under this folder."""
    workdir: Path
    """The service's own files: each inline job's folder, and the judge cache of ``/v1/score``."""
    labels_root: Path
    """Where rating sheets live (the rating page reads and writes there)."""
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(1, ge=0)
    """Job worker threads in this process (0: this service queues jobs and another one runs them)."""
    lease_s: float = Field(30.0, gt=0)
    """A running job's lease: a worker silent this long (killed) loses its job to another worker."""
    poll_s: float = Field(0.5, gt=0)
    """How often an idle worker looks for a job, and an event stream for news."""
    rate_per_s: float = Field(20.0, ge=0)
    """Requests per second each token may make on average (0: unlimited)."""
    burst: int = Field(40, ge=1)
    """Requests a token may make at once before the rate applies."""
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    """Largest request body; a larger one is refused with 413."""
    max_score_items: int = Field(100, ge=1)
    """Most items one ``POST /v1/score`` may carry (a larger batch is a job: ``POST /v1/runs``)."""
    key_envs: tuple[str, ...] = DEFAULT_KEY_ENVS
    """Environment variables a request may name as its judge's key (any other is refused)."""
