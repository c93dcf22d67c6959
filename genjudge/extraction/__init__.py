"""Extraction scoring: field normalisation, exact and fuzzy per-field matching, P / R / F1."""

from __future__ import annotations

from genjudge.extraction.match import FieldOutcome, ItemMatch, as_fields, match_item, prf
from genjudge.extraction.micro import micro_rows
from genjudge.extraction.normalize import DEFAULT_DATE_FORMATS, FieldSpec, is_absent, normalize

__all__ = [
    "DEFAULT_DATE_FORMATS",
    "FieldOutcome",
    "FieldSpec",
    "ItemMatch",
    "as_fields",
    "is_absent",
    "match_item",
    "micro_rows",
    "normalize",
    "prf",
]


def __getattr__(name: str) -> object:
    if name == "normalise":  # the one spelling is "normalize", as in normalize_text and normalize_label
        import warnings

        warnings.warn("genjudge.extraction.normalise is now normalize", DeprecationWarning, stacklevel=2)
        return normalize
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
