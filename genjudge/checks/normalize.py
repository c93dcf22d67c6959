"""Normalisation shared by the matching checks."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from genjudge.io.canonical import canonical_json

_SPACE = re.compile(r"\s+")


def normalize_text(value: Any) -> str:
    """Text for "normalised match": Unicode NFKC, case-folded, whitespace collapsed and stripped.

    >>> normalize_text("  The  Cat\\u00a0sat. ")
    'the cat sat.'
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", str(value))).strip().casefold()


def normalize_label(value: Any) -> str:
    """A class label: its text with surrounding whitespace removed (labels stay case-sensitive)."""
    return str(value).strip()


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
