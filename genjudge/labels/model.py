"""The human-label format: a manifest that declares the rubric and the scales, plus the ratings.

A rated sample is a folder (or any paths the manifest names) with:

- ``sample.json``: :class:`SampleManifest`: name, the rubric the raters answered, one
  :class:`Scale` per dimension (level of measurement declared, never guessed), where the ratings
  are and in which layout, the item file and its slice / document / system columns;
- the ratings, long (``item_id, rater, dimension, rating``: one row per rating) or wide
  (``item_id`` plus one column per rater and dimension, e.g. ``expert1_coherence``);
- optionally ``items.jsonl``: the content a judge needs to rate the same items (``id``,
  ``source``, ``output``, ``reference``, slice columns...).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from genjudge.errors import ConfigError

MANIFEST_NAME = "sample.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RubricRef(_Strict):
    """The rubric (instructions) the human raters answered."""

    id: str
    version: str
    instructions: str | None = None
    """The question put to the raters, verbatim where known."""
    content_hash: str | None = None
    """sha256 of the judge rubric's content when the raters answered a genjudge rubric (rating
    sheets drawn by ``genjudge labels sample``); None for an external rating protocol."""


class Scale(_Strict):
    """A dimension's scale. ``level`` is Krippendorff's level of measurement."""

    level: Literal["nominal", "ordinal", "interval", "ratio"]
    values: list[Any] | None = None
    """Allowed values, in order (required for nominal and ordinal). Numbers are used as is; other
    values are coded by their position in this list."""
    names: dict[str, str] = Field(default_factory=dict)
    """Readable names of values, e.g. ``{"0": "tie"}``."""
    higher_is_better: bool = True
    """Ordered scales: a judge above the humans is then *too lenient*, below *too harsh*."""
    positive: Any | None = None
    """Binary nominal scales: the positive value, for true-positive / true-negative rates."""

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if self.level in ("nominal", "ordinal") and not self.values:
            raise ConfigError(f"a {self.level} scale must list its values")
        if self.values is not None and len(set(map(repr, self.values))) != len(self.values):
            raise ConfigError("scale values must be distinct")
        if self.positive is not None and (self.values is None or self.positive not in self.values):
            raise ConfigError(f"positive value {self.positive!r} is not among the scale values")
        return self

    @property
    def numeric(self) -> bool:
        return self.values is None or all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values
        )

    def code(self, raw: Any) -> float:
        """The numeric code of a rating; raises ``ValueError`` for a value off the scale."""
        if raw is None:
            raise ValueError("missing")
        if self.numeric:
            # float() takes True, 'nan' and 'inf'; none of them is a rating.
            if isinstance(raw, (bool, np.bool_)):
                raise ValueError(f"{raw!r} is not a number")
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"{raw!r} is not a number") from None
            if not math.isfinite(value):
                raise ValueError(f"{raw!r} is not a finite number")
            if self.values is not None and value not in {float(v) for v in self.values}:
                raise ValueError(f"{raw!r} is not one of {self.values}")
            return value
        text = [str(v) for v in self.values or []]
        if str(raw) not in text:
            raise ValueError(f"{raw!r} is not one of {self.values}")
        return float(text.index(str(raw)))

    def domain(self) -> list[float] | None:
        """The coded value domain (``None`` for an open interval / ratio scale)."""
        if self.values is None:
            return None
        return [self.code(v) for v in self.values]

    def name_of(self, code: float) -> str:
        """A readable name for a coded value."""
        if self.numeric:
            key = str(int(code)) if float(code).is_integer() else str(code)
        else:
            key = str((self.values or [])[int(code)])
        return self.names.get(key, key)

    @property
    def positive_code(self) -> float | None:
        return None if self.positive is None else self.code(self.positive)


class RatingsSource(_Strict):
    path: str
    layout: Literal["long", "wide"] = "long"
    pattern: str = "{rater}_{dimension}"
    """Wide layout: how a column name is made of the rater and the dimension."""
    id_column: str = "item_id"


class SampleOrigin(_Strict):
    """Where a rating sheet's items come from: one stored run and the judge verdicts in it."""

    run_id: str
    set_fingerprint: str
    """The evaluation set the run scored: the population the sheet was drawn from."""
    check: str
    """The check whose judge verdicts the sheet rates (``judge_equivalence``, ``judge_rubric``)."""
    metric: str
    """The judge-based metric those verdicts make (e.g. ``judge_equivalence_rate``)."""
    column: str
    """The per-example column of the run that holds the judge's value."""
    label_column: str | None = None
    """Label rubrics: the per-example column that holds the judge's label."""
    side: str | None = None
    """Rubric scores: the output that was judged (``student`` or ``teacher``)."""
    judge: dict[str, Any] = Field(default_factory=dict)
    """The judge that produced the run's verdicts, as a decision binds it (provider, model,
    base_url, the parameters that change a verdict)."""


class DrawRound(_Strict):
    """One draw of items into a sheet (the first, and each ``--grow``)."""

    round: int
    n: int
    seed: int
    drawn_at: str


class SampleDesign(_Strict):
    """How a sheet's items were drawn: stratified simple random sampling without replacement.

    Within a stratum every draw (the first and each growth) is uniform over the items not yet
    drawn, so the items drawn so far are a simple random sample of the stratum and an item's
    inclusion probability is ``drawn in its stratum / stratum size``.
    """

    seed: int
    strata: list[str]
    """What the strata are made of: slice columns and ``verdict`` (the judge's verdict)."""
    population_size: int
    stratum_sizes: dict[str, int]
    """Items of the run in each stratum (``N_h``), keyed as the items' ``_stratum``."""
    rounds: list[DrawRound] = Field(default_factory=list)


class SampleManifest(_Strict):
    """``sample.json``: what a rated sample is."""

    schema_version: int = 1
    name: str
    description: str | None = None
    rubric: RubricRef
    dimensions: dict[str, Scale]
    ratings: RatingsSource
    items: str | None = None
    """Path (relative to the manifest) of the items a judge rates; id column ``id``."""
    slices: list[str] = Field(default_factory=list)
    """Item columns to break every statistic down by."""
    document: str | None = None
    """Item column naming the source document (summary-level correlation, grouped subsampling)."""
    system: str | None = None
    """Item column naming the system that produced the output (system-level correlation)."""
    raters: dict[str, str] = Field(default_factory=dict)
    """Optional description per rater id (e.g. ``expert``, ``crowd``)."""
    population: str | None = None
    """What the rated items are a sample of, e.g. ``external: SummEval``. A sheet drawn from a run
    leaves it empty: its population is ``origin`` (the run's evaluation set)."""
    show: list[str] = Field(default_factory=list)
    """Item columns a rater sees, in order (a rating sheet); empty = every text column."""
    titles: dict[str, str] = Field(default_factory=dict)
    """Readable titles of the shown columns (``{"text_a": "TEACHER"}``)."""
    origin: SampleOrigin | None = None
    """A sheet drawn by ``genjudge labels sample``: the run and the judge verdicts it rates."""
    design: SampleDesign | None = None
    """A sheet drawn by ``genjudge labels sample``: how its items were drawn."""
