"""Normalisation shared by the matching checks (text normalisation lives in genjudge.io.canonical)."""

from __future__ import annotations

import json
from typing import Any

from genjudge.io.canonical import canonical_json, normalize_text

__all__ = ["NotJSON", "canonical_output", "normalize_label", "normalize_text", "normalized_probs"]


def normalize_label(value: Any) -> str:
    """A class label: its text with surrounding whitespace removed (labels stay case-sensitive)."""
    return str(value).strip()


def normalized_probs(probs: Any) -> dict[str, float] | None:
    """Per-class probabilities keyed by normalised label (labels that normalise alike are summed);
    None for an absent or empty value."""
    if not isinstance(probs, dict) or not probs:
        return None
    out: dict[str, float] = {}
    for key, value in probs.items():
        label = normalize_label(key)
        out[label] = out.get(label, 0.0) + float(value)
    return out


class NotJSON(ValueError):
    """An extraction output that is not a JSON value."""


def canonical_output(value: Any) -> str:
    """Canonical JSON of an extraction output (a decoded value, or a string holding JSON)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise NotJSON(f"not valid JSON ({exc.msg})") from None
    return canonical_json(value)
