"""Strict vs lenient JSON parsing."""

from __future__ import annotations

import pytest

from genjudge.structure import parse_lenient, parse_strict


@pytest.mark.parametrize(
    ("output", "strict", "lenient", "how"),
    [
        ('{"a": 1}', True, True, "strict"),
        ("  [1, 2]\n", True, True, "strict"),  # surrounding whitespace is not "other text"
        ('"just a string"', True, True, "strict"),
        ({"a": 1}, True, True, "strict"),  # already decoded by the output reader
        ('```json\n{"a": 1}\n```', False, True, "fence"),
        ("Here it is:\n```\n[1]\n```\nDone.", False, True, "fence"),
        ('Sure! {"a": {"b": [1, 2]}} Hope this helps.', False, True, "embedded"),
        ('{"a": 1} {"b": 2}', False, True, "embedded"),  # two values: not exactly one
        ('{"a": NaN}', False, False, None),  # NaN is not JSON (Python's parser would accept it)
        ("no json here", False, False, None),
        ('{"a": 1', False, False, None),
        (None, False, False, None),
    ],
)
def test_strict_and_lenient(output, strict, lenient, how):
    assert parse_strict(output).ok is strict
    result = parse_lenient(output)
    assert result.ok is lenient
    assert result.how == how


def test_lenient_value_from_fence_skips_a_broken_fence():
    text = '```json\n{broken\n```\nthen\n```json\n{"ok": true}\n```'
    assert parse_lenient(text).value == {"ok": True}
