"""Extraction scoring: field normalisation, exact and fuzzy per-field matching, P / R / F1."""

from __future__ import annotations

from genjudge.extraction.match import FieldOutcome, ItemMatch, as_fields, match_item, prf
from genjudge.extraction.micro import micro_rows
from genjudge.extraction.normalize import DEFAULT_DATE_FORMATS, FieldSpec, is_absent, normalise

__all__ = [
    "DEFAULT_DATE_FORMATS",
    "FieldOutcome",
    "FieldSpec",
    "ItemMatch",
    "as_fields",
    "is_absent",
    "match_item",
    "micro_rows",
    "normalise",
    "prf",
]
