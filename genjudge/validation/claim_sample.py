"""A rated sample of claims: one item per (context, claim), the person's verdict supported or not.

It is a rated-sample folder like any other (human_labels/README.md): ``sample.json`` declares one
nominal dimension whose values are claim verdicts, ``items.jsonl`` holds the context and the claim
of each item (columns ``context`` and ``claim``, or others named with ``fields``), ``ratings.csv``
the people's verdicts. The values a dimension may declare (case-insensitive):

- supported: ``yes``, ``true``, ``1``, ``supported``;
- not supported: ``no``, ``false``, ``0``, ``unsupported``, ``unknown`` (a three-way yes / no /
  unknown rating counts "no" and "unknown" alike as not supported).

Anything else is refused (the manifest's field); a rating off the declared values is refused by the
sample reader with its file, line and field. For validation the dimension is recoded to the binary
scale ``supported`` / ``unsupported`` (positive: ``supported``), the scale of the judge's verdicts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from genjudge.errors import ConfigError, InputError
from genjudge.labels import MANIFEST_NAME, RatedSample, Scale

SUPPORTED = "supported"
UNSUPPORTED = "unsupported"
BINARY = Scale(level="nominal", values=[SUPPORTED, UNSUPPORTED], positive=SUPPORTED)
"""The scale a claim dimension is recoded to (and the judge's verdicts are coded on)."""
FIELDS = ("context", "claim")
_YES = frozenset({"yes", "true", "1", "supported"})
_NO = frozenset({"no", "false", "0", "unsupported", "unknown"})
VOCABULARY = "yes/no, true/false, 1/0, supported/unsupported, or yes/no/unknown"


def is_claim_rubric(rubric: Any) -> bool:
    """Whether ``rubric`` asks about one claim against one context (``claim_support*``)."""
    return rubric.kind == "label" and set(rubric.fields) == set(FIELDS) and len(rubric.labels or {}) in (2, 3)


def supported_of(value: Any) -> bool | None:
    """True / False for a recognised claim verdict, None for anything else.

    >>> [supported_of(v) for v in ("Yes", "unknown", 1, False, "maybe", 2)]
    [True, False, True, False, None, None]
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return {1.0: True, 0.0: False}.get(float(value))
    if isinstance(value, str):
        word = value.strip().lower()
        return True if word in _YES else False if word in _NO else None
    return None


def binary_sample(rated: RatedSample, dimension: str) -> RatedSample:
    """``rated`` with ``dimension`` recoded to :data:`BINARY` (the other dimensions dropped).

    The fingerprint stays the rated sample's own: the decision names the data on disk.
    """
    scale = rated.scale(dimension)
    where = rated.root / MANIFEST_NAME
    if scale.level != "nominal":
        raise InputError(
            where, None, f"dimensions.{dimension}.level", f"a claim verdict is nominal, not {scale.level}"
        )
    meaning: dict[float, bool] = {}
    for value in scale.values or []:
        said = supported_of(value)
        if said is None:
            raise InputError(
                where,
                None,
                f"dimensions.{dimension}.values",
                f"{value!r} is not a claim verdict ({VOCABULARY})",
            )
        meaning[scale.code(value)] = said
    ratings = rated.ratings[rated.ratings["dimension"] == dimension].copy()
    verdicts = [meaning[float(v)] for v in ratings["value"]]
    ratings["rating"] = [SUPPORTED if s else UNSUPPORTED for s in verdicts]
    ratings["value"] = [BINARY.code(r) for r in ratings["rating"]]
    manifest = rated.manifest.model_copy(update={"dimensions": {dimension: BINARY}})
    return RatedSample(manifest, ratings.reset_index(drop=True), rated.items, rated.fingerprint, rated.root)


def human_truth(sample: RatedSample, dimension: str, item_ids: list[str]) -> np.ndarray:
    """Per item of a :func:`binary_sample`: 1.0 supported, 0.0 not (the raters' majority), NaN on a tie."""
    _, _, h = sample.matrix(dimension, item_ids)
    positive = np.nansum(h == BINARY.code(SUPPORTED), axis=0)
    rated = (~np.isnan(h)).sum(axis=0)
    out = np.full(len(item_ids), np.nan)
    out[2 * positive > rated] = 1.0
    out[(2 * positive < rated) & (rated > 0)] = 0.0
    return out


def claim_pairs(
    rated: RatedSample, item_ids: list[str], fields: dict[str, str] | None
) -> list[tuple[str, str]]:
    """(context, claim) per item; a missing or empty text is an error naming the items file, line and column."""
    fields = fields or {}
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ConfigError(f"--field names {sorted(unknown)}; a claim rubric's fields are {list(FIELDS)}")
    if not rated.manifest.items:
        raise ConfigError("the sample has no items file: the judge has nothing to read (context, claim)")
    path = rated.root / rated.manifest.items
    out = []
    for item_id in item_ids:
        row = rated.items.get(item_id, {})
        texts = []
        for f in FIELDS:
            column = fields.get(f, f)
            value = row.get(column)
            if not isinstance(value, str) or not value.strip():
                problem = "missing" if value in (None, "") else f"must be a non-empty text, got {value!r}"
                raise InputError(path, _line_of(path, item_id), column, f"{problem} (the claim's {f})")
            texts.append(value)
        out.append((texts[0], texts[1]))
    return out


def _line_of(path: Path, item_id: str) -> int | None:
    from genjudge.io.tables import read_rows

    return next((line for line, row in read_rows(path) if str(row.get("id")) == item_id), None)
