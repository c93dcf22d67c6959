"""Canonical values: absence, JSON text, normalised text and content hashes.

The one home of these small helpers; tests/test_layers.py keeps other modules from growing copies.

Absent: ``None`` or a float NaN (what pandas puts in a cell that has no value). A blank string is
*present* (a model that answered ``""`` answered); a caller for whom blank means "not given" (an
extracted field) says so with ``is_absent(value, blank=True)``.

Canonical JSON: keys sorted, no insignificant whitespace, UTF-8 kept as is, NaN refused. It is
the one serialisation used for fingerprints, cache keys and "same inputs" checks.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path
from typing import Any


def canonical_json(value: Any, *, allow_nan: bool = False) -> str:
    """Deterministic JSON text of ``value`` (sorted keys, compact separators, NaN refused).

    ``allow_nan=True`` writes NaN as ``NaN`` instead of failing: for text shown to a model, never
    for a hash.
    """
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=allow_nan, default=str
    )


def as_text(value: Any) -> str | None:
    """A cell as text: None when absent, strings as they are, canonical JSON for dicts and lists.

    The one way an output is turned into text for a judge, an embedder or a text rule.

    >>> as_text({"b": 1, "a": [1, 2]}), as_text(None), as_text(3)
    ('{"a":[1,2],"b":1}', None, '3')
    """
    if is_absent(value):
        return None
    if isinstance(value, (dict, list)):
        return canonical_json(value, allow_nan=True)
    return str(value)


def is_absent(value: Any, *, blank: bool = False) -> bool:
    """True for ``None`` and float NaN; with ``blank=True`` also for a string that is empty after trimming.

    >>> is_absent(None), is_absent(float("nan")), is_absent(""), is_absent(" ", blank=True), is_absent(0)
    (True, True, False, True, False)
    """
    if value is None or (isinstance(value, float) and value != value):
        return True
    return blank and isinstance(value, str) and not value.strip()


_SPACE = re.compile(r"\s+")


def normalize_text(value: Any) -> str:
    """Text for "normalised match": Unicode NFKC, case-folded, whitespace collapsed and stripped.

    The one definition of "identical after normalisation" (exact match, the judge's no-call shortcut).

    >>> normalize_text("  The  Cat\\u00a0sat. ")
    'the cat sat.'
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", str(value))).strip().casefold()


def sha256_text(text: str) -> str:
    """Hex sha256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
