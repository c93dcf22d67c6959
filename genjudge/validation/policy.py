"""The acceptance policy: when a judge's agreement with humans is good enough.

Defaults and why (see docs/validation.md):

- ``firm = 0.800`` and ``tentative = 0.667``: Krippendorff's (2004, Content Analysis, 2nd ed.,
  p. 241) customary bars: rely on data with alpha >= .800; consider alpha >= .667 only for tentative
  conclusions. Compared with the *lower bound* of a 95 % bootstrap interval, not the point value,
  so a small sample cannot pass by luck.
- ``ceiling_margin = 0.10`` with ``min_ceiling = 0.40``: where humans themselves disagree (SummEval
  coherence), no instrument can reach .667 against them; a judge whose lower bound is within 0.10
  of what a typical human achieves against the other humans is as good as another rater. This is
  only granted when the humans reach at least .40 (Landis & Koch's "moderate"): a ceiling below it
  means the dimension is not measurable, and matching noise is not evidence.
- ``min_items = 30``: below it a bootstrap interval of alpha is too wide to clear any bar honestly.
- ``max_unscored_rate = 0.10``: unscored verdicts are left out of the statistics, so a judge that
  refuses or garbles more than one item in ten could hide its hard cases.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Policy(BaseModel):
    """Acceptance policy for a judge."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    firm: float = Field(0.800, ge=-1.0, le=1.0)
    tentative: float = Field(0.667, ge=-1.0, le=1.0)
    ceiling_margin: float | None = Field(0.10, ge=0.0)
    """Accept at the human ceiling when ci_low >= ceiling - margin; ``None`` turns this off."""
    min_ceiling: float = Field(0.40, ge=0.0, le=1.0)
    min_items: int = Field(30, ge=2)
    max_unscored_rate: float = Field(0.10, ge=0.0, le=1.0)
    confidence: float = Field(0.95, gt=0.0, lt=1.0)
    resamples: int = Field(1000, ge=50)
    seed: int = 0
    min_slice_items: int = Field(20, ge=2)
    """Slices with fewer scored items are shown and flagged too small, never used in the verdict."""
    worst_items: int = Field(5, ge=0)

    @model_validator(mode="after")
    def _check(self) -> Policy:
        if self.tentative > self.firm:
            raise ValueError(f"tentative ({self.tentative}) must not exceed firm ({self.firm})")
        return self
