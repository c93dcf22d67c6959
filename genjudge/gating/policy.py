"""A release gate's policy: which numbers must hold, where, and how the decision reads an interval.

```yaml
decide_on: interval      # point | interval | strict (below)
min_support: 30          # cells with fewer items cannot be judged
too_small: fail          # fail | skip: a critical / named cell under min_support
judge_numbers: validated # validated | validated_elsewhere | any
rules:
  - metric: agreement_rate          # a name, or a pattern: judge_*_score
    subject: student_vs_teacher     # optional: any subject when left out
    slices: [overall, critical]     # overall | critical | all | COLUMN | COLUMN=VALUE
    floor: 0.85                     # the value must be at least this (ceiling: at most)
    max_regression: 0.03            # and must not fall more than this below the baseline run
```

``decide_on``: ``point`` compares the point estimate with the limit; ``interval`` fails a cell only
when its whole interval is on the wrong side (noise does not block a release); ``strict`` passes a
cell only when its whole interval is on the right side (a drop the data cannot rule out blocks it).
A rule may set its own ``decide_on`` and ``min_support``.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from genjudge.errors import ConfigError


class Decide(enum.StrEnum):
    """How a cell's number is held against its limit."""

    POINT = "point"
    INTERVAL = "interval"
    STRICT = "strict"


class JudgeNumbers(enum.StrEnum):
    """Which judge-based numbers may count towards a decision."""

    VALIDATED = "validated"
    VALIDATED_ELSEWHERE = "validated_elsewhere"
    ANY = "any"


class TooSmall(enum.StrEnum):
    """What a cell the policy names (critical, or named by column) does when under the minimum support."""

    FAIL = "fail"
    SKIP = "skip"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Model):
    """One requirement on one metric (or a pattern of metrics), on some cells."""

    metric: str
    subject: str | None = None
    slices: list[str] = Field(default_factory=lambda: ["overall", "critical"])
    floor: float | None = None
    ceiling: float | None = None
    max_regression: float | None = Field(None, ge=0.0)
    decide_on: Decide | None = None
    min_support: int | None = Field(None, ge=1)

    @field_validator("slices", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _has_a_limit(self) -> Rule:
        if self.floor is None and self.ceiling is None and self.max_regression is None:
            raise ValueError("a rule needs floor, ceiling or max_regression")
        return self

    @property
    def name(self) -> str:
        return f"{self.subject}.{self.metric}" if self.subject else self.metric


class GatePolicy(_Model):
    """What ``genjudge gate`` reads."""

    decide_on: Decide = Decide.INTERVAL
    min_support: int = Field(30, ge=1)
    too_small: TooSmall = TooSmall.FAIL
    judge_numbers: JudgeNumbers = JudgeNumbers.VALIDATED
    rules: list[Rule] = Field(min_length=1)

    @property
    def needs_baseline(self) -> bool:
        return any(r.max_regression is not None for r in self.rules)


def load_policy(path: Path) -> GatePolicy:
    """Read and check a policy file (YAML or JSON); every problem names the file and the field."""
    from genjudge.config import load_mapping

    data = load_mapping(Path(path))
    try:
        return GatePolicy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in err['loc']) or '(top)'!r}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
