"""Per-item comparison of predicted fields against gold fields.

For one item and one field, with both values normalised (:mod:`genjudge.extraction.normalize`):

======================  ==============  =====================================
gold        predicted   outcome         counts as
======================  ==============  =====================================
absent      absent      ``absent``      nothing (the field is left out)
present     absent      ``missing``     false negative
absent      present     ``extra``       false positive
present     present     ``match``       true positive (normalised strings equal)
present     present     ``mismatch``    false positive and false negative
======================  ==============  =====================================

Fuzzy matching replaces "equal" by "similarity >= threshold", where similarity is
``rapidfuzz.fuzz.token_sort_ratio / 100`` of the normalised strings: an edit-distance ratio
(1 - normalised InDel distance) after sorting the tokens, so word order does not matter.
Precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 TP / (2 TP + FP + FN)
(each None when its denominator is 0, never 0.0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from genjudge.extraction.normalize import FieldSpec, normalize
from genjudge.io.canonical import canonical_json
from genjudge.stats.classification import precision_recall_f1

__all__ = ["FieldOutcome", "ItemMatch", "as_fields", "match_item", "prf"]


@dataclass(frozen=True)
class FieldOutcome:
    field: str
    outcome: str
    """``absent``, ``missing``, ``extra``, ``match`` or ``mismatch`` (exact, after normalisation)."""
    similarity: float | None
    """token_sort_ratio / 100 when both are present, else None."""
    fuzzy_match: bool | None
    """similarity >= threshold when both are present; None when either is absent."""


@dataclass(frozen=True)
class ItemMatch:
    fields: dict[str, FieldOutcome]

    def counts(self, *, fuzzy: bool = False) -> tuple[int, int, int]:
        """(TP, FP, FN) over the item's fields."""
        tp = fp = fn = 0
        for f in self.fields.values():
            if f.outcome == "missing":
                fn += 1
            elif f.outcome == "extra":
                fp += 1
            elif f.outcome in ("match", "mismatch"):
                hit = bool(f.fuzzy_match) if fuzzy else f.outcome == "match"
                tp += hit
                fp += not hit
                fn += not hit
        return tp, fp, fn


def prf(tp: float, fp: float, fn: float) -> tuple[float | None, float | None, float | None]:
    """(precision, recall, F1) from counts; None where a denominator is 0 (for JSON reports).

    :func:`genjudge.stats.classification.precision_recall_f1` with ``zero_division=nan``, NaN as None.
    """
    p, r, f = precision_recall_f1(tp, fp, fn, zero_division=float("nan"))
    return (None if p != p else p, None if r != r else r, None if f != f else f)


def as_fields(value: Any) -> dict[str, Any] | None:
    """A field mapping from a dict or a JSON object string; None when it is neither."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        from genjudge.structure import parse_lenient

        parsed = parse_lenient(value)
        if parsed.ok and isinstance(parsed.value, dict):
            return parsed.value
        return None
    return None


def match_item(
    predicted: Mapping[str, Any], gold: Mapping[str, Any], specs: Mapping[str, FieldSpec], *, threshold: float
) -> ItemMatch:
    """Compare the fields of ``specs`` (the declared fields) between a prediction and the gold."""
    from rapidfuzz import fuzz

    out: dict[str, FieldOutcome] = {}
    for name, spec in specs.items():
        g = normalize(_value(gold.get(name)), spec)
        p = normalize(_value(predicted.get(name)), spec)
        if g is None and p is None:
            out[name] = FieldOutcome(name, "absent", None, None)
        elif p is None:
            out[name] = FieldOutcome(name, "missing", None, None)
        elif g is None:
            out[name] = FieldOutcome(name, "extra", None, None)
        else:
            sim = fuzz.token_sort_ratio(g, p) / 100.0
            limit = spec.fuzzy_threshold if spec.fuzzy_threshold is not None else threshold
            out[name] = FieldOutcome(name, "match" if g == p else "mismatch", sim, g == p or sim >= limit)
    return ItemMatch(out)


def _value(value: Any) -> Any:
    # A nested value (list / object) is compared as canonical JSON text.
    if isinstance(value, (dict, list)):
        return canonical_json(value, allow_nan=True)
    return value
