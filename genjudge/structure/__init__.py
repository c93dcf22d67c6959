"""Structure and format: strict / lenient JSON parsing, JSON Schema conformance, declared rules."""

from __future__ import annotations

from genjudge.structure.parse import Parsed, parse_lenient, parse_strict
from genjudge.structure.rules import CompiledRule, FormatRule, RuleOutcome, compile_rules
from genjudge.structure.schema import Failure, SchemaValidator, generalise_path, load_schema

__all__ = [
    "CompiledRule",
    "Failure",
    "FormatRule",
    "Parsed",
    "RuleOutcome",
    "SchemaValidator",
    "compile_rules",
    "generalise_path",
    "load_schema",
    "parse_lenient",
    "parse_strict",
]
