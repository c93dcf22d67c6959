"""Typed records of a validation: statistics with intervals, per-dimension results, the decision."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from genjudge.records import Record
from genjudge.validation.policy import Policy


class Outcome(enum.StrEnum):
    """A dimension's validation outcome, weakest first (the order :func:`min` uses to combine them)."""

    INSUFFICIENT = "insufficient"
    """Too few scored items, or too few humans, to decide."""
    REJECTED = "rejected"
    AT_CEILING = "at_ceiling"
    """Accepted: the judge is as close to the humans as they are to each other."""
    TENTATIVE = "tentative"
    """Accepted: the interval's lower bound clears the tentative bar."""
    FIRM = "firm"
    """Accepted: the interval's lower bound clears the firm bar."""

    @property
    def accepted(self) -> bool:
        return self in (Outcome.AT_CEILING, Outcome.TENTATIVE, Outcome.FIRM)


class Direction(enum.StrEnum):
    """Which way the judge departs from the humans, when its bias interval excludes 0."""

    NONE = "none"
    TOO_LENIENT = "too lenient"
    TOO_HARSH = "too harsh"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StatValue(_Frozen):
    """One statistic with its seeded bootstrap interval (items resampled unless ``ci_method`` says)."""

    name: str
    value: float | None
    """``None`` when undefined on this sample; ``reason`` says why."""
    ci_low: float | None = None
    ci_high: float | None = None
    n: int = 0
    reason: str | None = None
    undefined_draws: int = 0
    """Bootstrap resamples on which the statistic was undefined; the interval is over the others."""
    draws: int = 0
    """Bootstrap resamples drawn (0: no interval)."""
    ci_method: str | None = None
    """The interval and its resampling unit: ``percentile`` (items), ``percentile_documents``
    (summary level), ``percentile_systems`` (system level)."""


class WorstItem(_Frozen):
    """An item on which the judge and the humans disagree most."""

    item_id: str
    judge: str
    humans: list[str]
    consensus: str | None
    gap: float | None
    """Judge minus consensus on ordered scales; None on nominal ones."""
    rationale: str | None = None
    slice: dict[str, Any] = Field(default_factory=dict)


class SliceResult(_Frozen):
    """The primary statistic and the human ceiling on one slice."""

    column: str
    value: str
    n: int
    judge: StatValue
    ceiling: StatValue | None
    bias: float | None = None
    """Ordered scales: mean(judge - consensus)."""
    too_small: bool = False


class DimensionResult(_Frozen):
    """Everything measured on one dimension, and what the policy made of it."""

    dimension: str
    level: str
    n_items: int
    """Rated items the judge scored (the sample of every statistic)."""
    n_unscored: int
    """Rated items the judge left unscored (excluded; counted against ``max_unscored_rate``)."""
    unscored_reasons: dict[str, int] = Field(default_factory=dict)
    """Unscored items by cause: the verdict's status (``unscored``, ``error``; ``ok`` with no usable
    value) or ``no verdict`` (the verdicts have no row for the item)."""
    n_raters: int
    primary: StatValue
    """The gate's statistic: the judge against the leave-one-out human consensus."""
    ceiling: StatValue | None
    """The same statistic for each human against the others' consensus, averaged (the ceiling)."""
    stats: dict[str, StatValue]
    """The full bundle (alpha with / without the judge, kappa, correlations, agreement, bias...)."""
    confusion: dict[str, Any] | None = None
    """Nominal scales: ``{"labels": [...], "counts": [[...]]}``, rows = human majority."""
    slices: list[SliceResult] = Field(default_factory=list)
    worst_items: list[WorstItem] = Field(default_factory=list)
    direction: Direction = Direction.NONE
    """``too lenient``, ``too harsh``, or ``none`` (no systematic direction)."""
    outcome: Outcome = Outcome.REJECTED
    """``firm``, ``tentative``, ``at_ceiling`` (accepted), or ``rejected`` / ``insufficient``."""
    reason: str = ""


class Decision(Record):
    """A validation decision, bound to the judge, the rubric version and the rated sample."""

    decision_id: str
    created_at: datetime
    judge_provider: str
    judge_model: str
    rubric_id: str
    rubric_version: str
    sample_name: str
    sample_fingerprint: str
    verdicts_source: str
    """``judge run`` (genjudge called the judge) or ``imported: <file> sha256:<hash>``."""
    policy: Policy
    accepted: bool
    level: Outcome
    """The weakest dimension's outcome."""
    dimensions: list[DimensionResult]
    explanation: list[str]
    """The verdict in words: where and how the judge disagrees with the humans."""
    genjudge_version: str
    judge_cost: dict[str, Any] = Field(default_factory=dict)
    """Tokens, cost and latency of the judge calls (when genjudge ran the judge)."""
