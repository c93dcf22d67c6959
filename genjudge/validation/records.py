"""Typed records of a validation: statistics with intervals, per-dimension results, the decision."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from genjudge.records import Record
from genjudge.validation.binding import JudgeBinding, Population
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


class HumanLabel(_Frozen):
    """One rated item of a sheet drawn from a run: the humans' mean rating in the metric's units."""

    item_id: str
    value: float
    """The raters' mean, coded as the metric counts it (a label rubric's label values, a score)."""
    raters: int
    stratum: str | None = None
    content_sha256: str | None = None
    """Hash of the texts the raters saw: a later run counts the label only on identical texts."""


class HumanLabels(_Frozen):
    """The human side of prediction-powered inference: the rated items and the sampling design."""

    metric: str
    """The judge-based metric the labels estimate (e.g. ``judge_equivalence_rate``)."""
    column: str
    """The run's per-example column holding the judge's value for that metric."""
    label_column: str | None = None
    """Label rubrics: the column holding the judge's label (part of the verdict strata)."""
    dimension: str
    items: list[HumanLabel]
    show: dict[str, str] = Field(default_factory=dict)
    """Sheet field -> the run's column the raters' text came from (to recognise the same texts)."""
    strata: list[str] = Field(default_factory=list)
    stratum_sizes: dict[str, int] = Field(default_factory=dict)


class ClaimThreshold(_Frozen):
    """A claim rubric's p(yes) threshold, calibrated on the rated claims, and how well it separates them.

    ``threshold`` is fitted on every rated claim (Youden's J); its balanced accuracy there is
    optimistic. ``cross_validated`` is the honest number: the balanced accuracy of calibrating on
    the other folds and applying the threshold to each held-out fold (stratified k-fold, seeded).
    """

    dimension: str
    threshold: float
    """Claims with p(yes) at or above it are supported; what a run's ``judge_claims`` uses."""
    claims: int
    """Rated claims the threshold was fitted on (a human majority and a p(yes))."""
    positives: int
    negatives: int
    left_out: dict[str, int] = Field(default_factory=dict)
    """Rated claims not used, by cause (``raters tied``, ``no p(yes)``: unscored or no log-probabilities)."""
    balanced_accuracy_fitted: float
    """At ``threshold`` on the claims it was fitted to: optimistic."""
    tpr: float
    tnr: float
    cross_validated: StatValue
    """Balanced accuracy of calibrate-on-the-rest, apply-to-the-fold (the interval resamples the
    claims with their out-of-fold verdicts fixed)."""
    at_half: StatValue
    """Balanced accuracy at the uncalibrated 0.5."""
    auc: StatValue
    """Area under the ROC curve of p(yes) against the people's verdicts (ranking, threshold-free)."""
    folds: int
    seed: int
    fold_thresholds: list[float] = Field(default_factory=list)
    grouped_by: str | None = None
    """The sample's document column when folds and resamples keep a document's claims together."""


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
    binding: JudgeBinding | None = None
    """The judge exactly as called and the rubric's content; ``None`` on a decision recorded before
    decisions were bound, which validates no run."""
    population: Population | None = None
    """What the rated items are a sample of (a run's evaluation set, or an external rated set)."""
    verdicts_fingerprint: str | None = None
    """Imported verdicts: sha256 of the file."""
    producer: str | None = None
    """Imported verdicts: who produced them, as declared (never a judge genjudge calls)."""
    rubric_question: str | None = None
    """What the judge's rubric asks (its instructions)."""
    human_question: str | None = None
    """What the rated sample says the humans were asked."""
    warnings: list[str] = Field(default_factory=list)
    """Doubts about the decision's meaning (the humans answered a different question...)."""
    human_labels: HumanLabels | None = None
    """A sheet drawn from a run: its rated items and design, for prediction-powered inference."""
    claim_threshold: ClaimThreshold | None = None
    """A claim rubric: the p(yes) threshold calibrated on the rated claims (a run's ``judge_claims``
    without its own ``threshold`` uses it under an accepted decision)."""
