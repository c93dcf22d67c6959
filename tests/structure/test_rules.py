"""Declared format rules: outcomes, and invalid rules refused before scoring."""

from __future__ import annotations

import pytest

from genjudge.errors import ConfigError
from genjudge.structure import compile_rules

RULES = [
    {"name": "no_apology", "kind": "regex", "pattern": r"(?i)\bsorry\b", "must_match": False},
    {"name": "has_year", "kind": "regex", "pattern": r"\b(19|20)\d\d\b"},
    {"name": "short", "kind": "length", "unit": "words", "min": 2, "max": 5},
    {"name": "chars", "kind": "length", "unit": "chars", "max": 10},
    {"name": "keys", "kind": "required_fields", "fields": ["a.b", "c/0"]},
    {"name": "sections", "kind": "required_sections", "sections": ["Summary", "Risks"]},
]


def outcomes(text):
    return {r.name: r.apply(text).passed for r in compile_rules(RULES)}


def test_rule_outcomes():
    # 4 words, 24 characters, a year, no apology; not JSON; no sections.
    assert outcomes("Revenue rose in 2023.  ") == {
        "no_apology": True,
        "has_year": True,
        "short": True,
        "chars": False,
        "keys": False,
        "sections": False,
    }
    # "Sorry" is forbidden; the JSON has a.b and c[0]; 1 word (whitespace-free JSON) < min 2.
    assert outcomes('Sorry: {"a": {"b": 0}, "c": [null, 1]}')["no_apology"] is False
    assert outcomes('{"a":{"b":0},"c":[1]}')["keys"] is True
    assert outcomes('{"a":{"b":null},"c":[1]}')["keys"] is False  # null counts as absent
    text = "# Summary\nAll good.\n\n**Risks:** none\n"
    assert outcomes(text)["sections"] is True
    assert outcomes("Summary of the risks")["sections"] is False  # a mention is not a heading


def test_reason_is_given():
    rule = compile_rules([{"name": "l", "kind": "length", "unit": "chars", "max": 3}])[0]
    assert rule.apply("abcde").reason == "5 chars > max 3"


@pytest.mark.parametrize(
    ("rules", "match"),
    [
        ([{"name": "r", "kind": "regex", "pattern": "("}], "invalid regular expression"),
        ([{"name": "l", "kind": "length", "unit": "words", "min": 5, "max": 2}], "min 5 > max 2"),
        ([{"name": "l", "kind": "length", "unit": "words"}], "give min, max or both"),
        (
            [{"name": "x", "kind": "regex", "pattern": "a"}, {"name": "x", "kind": "regex", "pattern": "b"}],
            "two format rules",
        ),
        ([{"name": "x", "kind": "spelling"}], "invalid format rule"),
        ([{"name": "x", "kind": "length", "unit": "lines", "max": 3}], "invalid format rule"),
        ([{"name": "bad name", "kind": "regex", "pattern": "a"}], "invalid format rule"),
    ],
)
def test_invalid_rules_are_config_errors(rules, match):
    with pytest.raises(ConfigError, match=match):
        compile_rules(rules)
