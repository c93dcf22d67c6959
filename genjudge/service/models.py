"""The bodies the HTTP API accepts and the shapes it answers with (pydantic: validated, documented)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from genjudge.records import TaskKind

__all__ = [
    "CompareRequest",
    "ErrorBody",
    "GateRequest",
    "InlineData",
    "InlineItem",
    "JobView",
    "RunRequest",
    "ScoreItem",
    "ScoreRequest",
    "ValidateRequest",
]

_ID = Field(None, min_length=1, max_length=200)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """Every error answer: ``{"error": {"status": 422, "message": "...", "fields": [...]}}``."""

    error: dict[str, Any]


class ScoreItem(_Body):
    """One item to score: its input, both models' outputs and the reference."""

    id: str | None = _ID
    """Unique within the batch (default: its position, ``item-0``...)."""
    input: Any
    teacher: Any = None
    """The teacher's output (null: missing; the item is unscored by checks that need it)."""
    student: Any = None
    reference: Any = None


class ScoreRequest(_Body):
    """``POST /v1/score``: a small batch, scored at once by the checks of ``genjudge run``."""

    task: TaskKind
    items: list[ScoreItem] = Field(min_length=1)
    checks: dict[str, dict[str, Any]] | list[str] | None = None
    """Checks by name with their options, as in a run config (default: the task's)."""
    judge: dict[str, Any] | None = None
    """The judge's settings (keys of JudgeSettings; default: the local judge)."""


class InlineItem(_Body):
    """One item of an inline job: a row of the evaluation set plus both outputs."""

    id: str = Field(min_length=1, max_length=200)
    input: Any
    reference: Any = None
    teacher: Any = None
    student: Any = None
    columns: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    """Other columns of the set (slice columns such as ``difficulty``)."""


class InlineData(_Body):
    """An inline job's data: the set is frozen on the server from these items."""

    items: list[InlineItem] = Field(min_length=1)
    slices: list[str] = Field(default_factory=list)
    """Slice columns (keys of ``columns``)."""


class RunRequest(_Body):
    """``POST /v1/runs``: a run as a job. Either ``config_path`` (a config file on the server, under
    its root) or ``config`` (a run config's keys) with ``data`` (inline items) or with the paths of
    its set and outputs on the server."""

    config_path: str | None = Field(None, min_length=1, max_length=4096)
    config: dict[str, Any] | None = None
    data: InlineData | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    """Keys that replace the config's (``bootstrap``, ``findings`` and ``judge`` merge)."""


class JobView(BaseModel):
    """A job as the API shows it."""

    id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    owner: str
    created_at: float
    updated_at: float
    claims: int
    """How many times a worker took it (more than one: it was resumed after a worker died)."""
    worker: str | None = None
    """The worker that holds (or last held) it: ``host:pid:thread:nonce``."""
    progress: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    """When done: ``run_id``; when failed: ``error``."""


class CompareRequest(_Body):
    """``POST /v1/compare``: run B (candidate) against run A (baseline), as ``genjudge compare``."""

    run_a: str | None = Field(None, min_length=1, max_length=200)
    run_b: str | None = Field(None, min_length=1, max_length=200)
    latest: int | None = Field(None, ge=2, le=1000)
    name: str | None = Field(None, max_length=200)
    adjust: Literal["holm", "bh"] = "holm"
    seed: int = Field(0, ge=0, le=2**32 - 1)
    metrics: list[str] | None = None


class GateRequest(_Body):
    """``POST /v1/gate``: hold a stored run against a policy (inline, or a file under the root)."""

    run: str = Field(min_length=1, max_length=200)
    policy: dict[str, Any] | None = None
    policy_path: str | None = Field(None, min_length=1, max_length=4096)
    baseline: str | None = Field(None, min_length=1, max_length=200)


class ValidateRequest(_Body):
    """``POST /v1/validate``: the keys of ``genjudge validate``'s config (paths under the root)."""

    config: dict[str, Any]
