"""The one-home helpers: absence, value-to-text, canonical JSON, number formatting, slicing."""

from __future__ import annotations

import doctest
import hashlib
import json

import numpy as np
import pandas as pd
import pytest

import genjudge.formatting
import genjudge.io.canonical
import genjudge.slicing
import genjudge.stats.classification
from genjudge.formatting import MISSING, format_interval, format_number
from genjudge.io.canonical import as_text, canonical_json, is_absent
from genjudge.llm.cache import cache_key
from genjudge.slicing import slice_groups


@pytest.mark.parametrize(
    "module", [genjudge.io.canonical, genjudge.formatting, genjudge.slicing, genjudge.stats.classification]
)
def test_docstring_examples(module):
    failed, _ = doctest.testmod(module)
    assert failed == 0


@pytest.mark.parametrize(
    ("value", "absent", "absent_if_blank"),
    [
        (None, True, True),
        (float("nan"), True, True),
        (np.float64("nan"), True, True),
        ("", False, True),
        ("  \t", False, True),
        ("x", False, False),
        (0, False, False),
        (0.0, False, False),
        ({}, False, False),
    ],
)
def test_is_absent(value, absent, absent_if_blank):
    assert is_absent(value) is absent
    assert is_absent(value, blank=True) is absent_if_blank


def test_as_text():
    assert as_text(None) is None and as_text(float("nan")) is None
    assert as_text("") == "" and as_text(" a ") == " a "  # strings are never rewritten
    assert as_text({"é": [1, 2], "a": None}) == '{"a":null,"é":[1,2]}'
    assert as_text([float("nan")]) == "[NaN]"  # shown to a model, not hashed
    with pytest.raises(ValueError):
        canonical_json([float("nan")])  # hashed: NaN is refused


def test_cache_keys_did_not_change():
    # The judge cache's key before canonical_json had one home: existing caches must still hit.
    parts = {"model": "m", "messages": [{"role": "user", "content": "héllo"}], "temperature": 0.0}
    old = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    assert cache_key(parts) == hashlib.sha256(old.encode("utf-8")).hexdigest()


def test_one_placeholder():
    assert format_number(None) == format_number(float("nan")) == format_interval(None, 1.0) == MISSING
    assert format_number(1 / 3) == "0.333" and format_number(-0.5, 2, sign=True) == "-0.50"
    assert format_interval(0.1, 0.2, 2) == "0.10–0.20"


def test_slice_groups():
    frame = pd.DataFrame({"lang": ["en", "fr", None, "en"], "n": [2, 10, 2, 1]})
    groups = {(c, v): m.tolist() for c, v, m in slice_groups(frame, ["lang", "n"])}
    assert groups[(None, None)] == [True] * 4
    assert groups[("lang", "en")] == [True, False, False, True]
    assert ("lang", "None") not in groups  # an absent slice value is in no slice
    # Values sort as values (2 before 10), then are reported as text.
    assert [v for c, v, _ in slice_groups(frame, ["n"]) if c] == ["1", "2", "10"]
